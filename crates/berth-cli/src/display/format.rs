//! `--format` for list commands, in the two flavours Compose has.
//!
//! [`Format`] is the docker CLI's (used by `ps`): `table` (or nothing) for the command's default
//! table, `table <template>` for a table with a header row made from the template, `json` for
//! one JSON object per row and line, anything else a Go template run per row. `\t` and `\n`
//! typed literally in the argument become tab and newline, surrounding spaces are dropped, and
//! tables are aligned with a minimum column width of 10 and 3 spaces of padding.
//!
//! [`ListFormat`] is Compose's own (used by `ls`, `images`): `table`/`pretty` (or nothing) for a
//! table with minimum column width 20, `json` for one JSON array, `{{json .}}` for one object per
//! line; templates are refused with Compose's message. (Compose 2.26 only recognises the
//! spelling `{{json.}}` for the per-line form; both spellings are accepted here.)
//!
//! Rows are JSON objects whose keys are the template's field names (`Name`, `Service`, ...),
//! built by the command in the order its `json` output should have them.

use std::fmt;

use serde_json::{Map, Value};

use super::table::{tabulate, Table};
use super::template::{go_json, Template, TemplateError};

/// A docker-CLI-style output format.
#[derive(Debug, Clone)]
pub enum Format {
    /// A table with a header row.
    Table(Template),
    /// A template per row, no header, no alignment.
    Template(Template),
    /// `{{json .}}` per row.
    Json,
}

/// Why a format cannot be used; worded as the docker CLI words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

impl From<TemplateError> for FormatError {
    fn from(e: TemplateError) -> Self {
        FormatError(format!("template parsing error: {e}"))
    }
}

/// The docker CLI's clean-up of a format argument: literal `\t`/`\n` become real ones and
/// surrounding spaces go.
fn clean(spec: &str) -> String {
    spec.trim_matches(' ').replace("\\t", "\t").replace("\\n", "\n")
}

impl Format {
    /// Parses `--format`; `default_table` is the command's table (e.g. for `ps`
    /// `table {{.Name}}\t{{.Image}}\t{{.Command}}\t{{.Service}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}`).
    pub fn parse(spec: &str, default_table: &str) -> Result<Format, FormatError> {
        if spec.is_empty() || spec == "table" {
            if default_table.is_empty() || default_table == "table" {
                return Err(FormatError("template parsing error: no default table format".into()));
            }
            return Format::parse(default_table, "");
        }
        if spec == "json" {
            return Ok(Format::Json);
        }
        if let Some(rest) = spec.strip_prefix("table") {
            return Ok(Format::Table(Template::parse(&clean(rest))?));
        }
        Ok(Format::Template(Template::parse(&clean(spec))?))
    }

    /// Renders the rows. `titles` maps field names to column titles for the header row
    /// (`("RunningFor", "CREATED")`); fields without a title show `<no value>` there, as in
    /// the docker CLI. A row the template cannot render is an error and nothing is printed.
    pub fn render(&self, rows: &[Value], titles: &[(&str, &str)]) -> Result<String, FormatError> {
        self.render_with(rows, &[], titles)
    }

    /// [`Format::render`] for rows with methods: `methods[i]` are row `i`'s (see
    /// [`Template::render_with`]).
    pub fn render_with(
        &self,
        rows: &[Value],
        methods: &[Map<String, Value>],
        titles: &[(&str, &str)],
    ) -> Result<String, FormatError> {
        let render_row = |t: &Template, i: usize, r: &Value| t.render_with(r, methods.get(i));
        match self {
            Format::Json => {
                let mut out = String::new();
                for r in rows {
                    out.push_str(&go_json(r));
                    out.push('\n');
                }
                Ok(out)
            }
            Format::Template(t) => {
                let mut out = String::new();
                for (i, r) in rows.iter().enumerate() {
                    out.push_str(&render_row(t, i, r)?);
                    out.push('\n');
                }
                Ok(out)
            }
            Format::Table(t) => {
                let mut text = t.render_header(titles.iter().copied());
                text.push('\n');
                for (i, r) in rows.iter().enumerate() {
                    text.push_str(&render_row(t, i, r)?);
                    text.push('\n');
                }
                Ok(tabulate(&text, 10, 3))
            }
        }
    }
}

/// Compose's own list format (`ls`, `images`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFormat {
    /// Aligned columns under a header.
    Table,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    JsonLines,
}

impl ListFormat {
    /// Parses `--format` (case-insensitive, as Compose).
    pub fn parse(spec: &str) -> Result<ListFormat, FormatError> {
        match spec.to_lowercase().as_str() {
            "" | "table" | "pretty" => Ok(ListFormat::Table),
            "json" => Ok(ListFormat::Json),
            "{{json.}}" | "{{json .}}" => Ok(ListFormat::JsonLines),
            _ => Err(FormatError(format!("format value {spec:?} could not be parsed: parsing failed"))),
        }
    }

    /// Renders rows: the table from `headers` and `cells(row)`, the JSON forms from the rows.
    pub fn render<F>(self, rows: &[Value], headers: &[&str], cells: F) -> String
    where
        F: Fn(&Value) -> Vec<String>,
    {
        match self {
            ListFormat::Table => {
                let mut t = Table::compose();
                t.row(headers.iter().copied());
                for r in rows {
                    t.row(cells(r));
                }
                t.render()
            }
            ListFormat::Json => {
                let mut s = go_json(&Value::Array(rows.to_vec()));
                s.push('\n');
                s
            }
            ListFormat::JsonLines => {
                let mut s = String::new();
                for r in rows {
                    s.push_str(&go_json(r));
                    s.push('\n');
                }
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PS_TABLE: &str =
        "table {{.Name}}\\t{{.Image}}\\t{{.Command}}\\t{{.Service}}\\t{{.RunningFor}}\\t{{.Status}}\\t{{.Ports}}";
    const PS_TITLES: &[(&str, &str)] = &[
        ("ID", "CONTAINER ID"),
        ("Name", "NAME"),
        ("Image", "IMAGE"),
        ("Command", "COMMAND"),
        ("Service", "SERVICE"),
        ("RunningFor", "CREATED"),
        ("Status", "STATUS"),
        ("Ports", "PORTS"),
        ("State", "STATE"),
    ];

    fn rows() -> Vec<Value> {
        vec![
            json!({"Name": "displab-db-1", "Image": "berth-test/busybox:latest", "Command": "\"sh -c 'echo db up; …\"",
                   "Service": "db", "RunningFor": "2 minutes ago", "Status": "Up 2 minutes", "Ports": "", "State": "running"}),
            json!({"Name": "displab-longservicename-1", "Image": "berth-test/busybox:latest", "Command": "\"sh -c 'echo x'\"",
                   "Service": "longservicename", "RunningFor": "2 minutes ago", "Status": "Exited (0) 2 minutes ago", "Ports": "", "State": "exited"}),
        ]
    }

    #[test]
    fn empty_default_table_is_just_the_header() {
        let f = Format::parse("", PS_TABLE).unwrap();
        assert_eq!(
            f.render(&[], PS_TITLES).unwrap(),
            "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n"
        );
    }

    #[test]
    fn default_table_aligns() {
        let f = Format::parse("table", PS_TABLE).unwrap();
        let out = f.render(&rows(), PS_TITLES).unwrap();
        let expected = "\
NAME                        IMAGE                       COMMAND                  SERVICE           CREATED         STATUS                     PORTS
displab-db-1                berth-test/busybox:latest   \"sh -c 'echo db up; …\"   db                2 minutes ago   Up 2 minutes               
displab-longservicename-1   berth-test/busybox:latest   \"sh -c 'echo x'\"         longservicename   2 minutes ago   Exited (0) 2 minutes ago   
";
        assert_eq!(out, expected);
    }

    #[test]
    fn custom_table_and_templates() {
        let f = Format::parse("table {{.Name}}\\t{{.State}}", PS_TABLE).unwrap();
        assert_eq!(
            f.render(&rows(), PS_TITLES).unwrap(),
            "NAME                        STATE\ndisplab-db-1                running\ndisplab-longservicename-1   exited\n"
        );
        let f = Format::parse("{{.Service}}\\t{{.State}}", PS_TABLE).unwrap();
        assert_eq!(f.render(&rows(), PS_TITLES).unwrap(), "db\trunning\nlongservicename\texited\n");
        let f = Format::parse("  {{.Name}}  ", PS_TABLE).unwrap();
        assert_eq!(f.render(&rows(), PS_TITLES).unwrap(), "displab-db-1\ndisplab-longservicename-1\n");
    }

    #[test]
    fn json_per_row() {
        let f = Format::parse("json", PS_TABLE).unwrap();
        let out = f.render(&rows()[..1], PS_TITLES).unwrap();
        assert!(out.starts_with("{\"Name\":\"displab-db-1\",\"Image\""), "{out}");
        assert!(out.ends_with("}\n"));
        assert_eq!(out.lines().count(), 1);
        let f = Format::parse("{{json .}}", PS_TABLE).unwrap();
        assert_eq!(f.render(&rows()[..1], PS_TITLES).unwrap(), out);
    }

    #[test]
    fn template_errors_are_wrapped_like_docker() {
        let f = Format::parse("{{.Name}}\\t{{.Foo}}", PS_TABLE).unwrap();
        assert_eq!(
            f.render(&rows(), PS_TITLES).unwrap_err().to_string(),
            "template parsing error: template: :1:12: executing \"\" at <.Foo>: can't evaluate field Foo"
        );
        assert!(Format::parse("{{.Name", PS_TABLE).unwrap_err().to_string().starts_with("template parsing error: "));
    }

    #[test]
    fn compose_list_formats() {
        let rows = vec![json!({"Name": "displab", "Status": "exited(3)", "ConfigFiles": "/tmp/disp-lab/compose.yaml"})];
        let cells = |r: &Value| {
            ["Name", "Status", "ConfigFiles"].iter().map(|k| r[*k].as_str().unwrap_or("").to_string()).collect()
        };
        let headers = ["NAME", "STATUS", "CONFIG FILES"];
        assert_eq!(
            ListFormat::parse("").unwrap().render(&rows, &headers, cells),
            "NAME                STATUS              CONFIG FILES\ndisplab             exited(3)           /tmp/disp-lab/compose.yaml\n"
        );
        assert_eq!(
            ListFormat::parse("JSON").unwrap().render(&rows, &headers, cells),
            "[{\"Name\":\"displab\",\"Status\":\"exited(3)\",\"ConfigFiles\":\"/tmp/disp-lab/compose.yaml\"}]\n"
        );
        assert_eq!(ListFormat::parse("json").unwrap().render(&[], &headers, cells), "[]\n");
        assert_eq!(
            ListFormat::parse("{{json .}}").unwrap().render(&rows, &headers, cells),
            "{\"Name\":\"displab\",\"Status\":\"exited(3)\",\"ConfigFiles\":\"/tmp/disp-lab/compose.yaml\"}\n"
        );
        assert_eq!(
            ListFormat::parse("{{.ID}}").unwrap_err().to_string(),
            "format value \"{{.ID}}\" could not be parsed: parsing failed"
        );
    }
}
