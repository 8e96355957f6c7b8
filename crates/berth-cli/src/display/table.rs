//! Column alignment the way Go's `text/tabwriter` does it, which is how the docker CLI and
//! Compose print tables: cells end with a tab, each column is as wide as its widest cell plus
//! the padding (3) and at least the minimum width (10 for `ps`, 20 for `ls` and `images`), the
//! last cell of a line is printed as is. Like Go, alignment works in column blocks: a column
//! spans consecutive lines that have a cell in it, so a line with fewer cells starts new blocks.

/// Aligns `text` (cells separated by `\t`, lines by `\n`) with Go tabwriter semantics for
/// `tabwriter.NewWriter(out, minwidth, 1, padding, ' ', 0)`. Widths count characters.
pub fn tabulate(text: &str, minwidth: usize, padding: usize) -> String {
    let ends_with_newline = text.ends_with('\n');
    let body = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return String::new();
    }
    let lines: Vec<Vec<&str>> = body.split('\n').map(|l| l.split('\t').collect()).collect();
    let mut w = Aligner { lines: &lines, minwidth, padding, widths: Vec::new(), out: String::with_capacity(text.len() * 2) };
    w.format(0, lines.len());
    if !ends_with_newline && w.out.ends_with('\n') {
        w.out.pop();
    }
    w.out
}

struct Aligner<'a> {
    lines: &'a [Vec<&'a str>],
    minwidth: usize,
    padding: usize,
    widths: Vec<usize>,
    out: String,
}

impl Aligner<'_> {
    fn cells(&self, line: usize) -> usize {
        self.lines.get(line).map_or(0, Vec::len)
    }

    /// Lays out lines `line0..line1` given the widths of the columns left of `widths.len()`.
    fn format(&mut self, line0: usize, line1: usize) {
        let column = self.widths.len();
        let mut start = line0;
        let mut this = line0;
        while this < line1 {
            // Only tab-terminated cells take part in alignment: the last cell of a line does not.
            if column + 1 >= self.cells(this) {
                this += 1;
                continue;
            }
            self.write_lines(start, this);
            start = this;
            let mut width = self.minwidth;
            while this < line1 && column + 1 < self.cells(this) {
                let cell = self.lines.get(this).and_then(|l| l.get(column)).map_or(0, |c| c.chars().count());
                width = width.max(cell + self.padding);
                this += 1;
            }
            self.widths.push(width);
            self.format(start, this);
            self.widths.pop();
            start = this;
        }
        self.write_lines(start, line1);
    }

    fn write_lines(&mut self, from: usize, to: usize) {
        for line in self.lines.get(from..to).unwrap_or(&[]) {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell);
                if let Some(&w) = self.widths.get(j) {
                    for _ in cell.chars().count()..w {
                        self.out.push(' ');
                    }
                }
            }
            self.out.push('\n');
        }
    }
}

/// A table built row by row: the docker CLI's shape (`ps`) or Compose's (`ls`, `images`).
#[derive(Debug, Clone)]
pub struct Table {
    minwidth: usize,
    padding: usize,
    text: String,
}

impl Table {
    /// Compose's "pretty section" (minimum column width 20, padding 3), used by `ls`, `images`.
    pub fn compose() -> Table {
        Table { minwidth: 20, padding: 3, text: String::new() }
    }

    /// Adds a row; cells are joined with tabs (tabs inside a cell split it, as in Go).
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        for (i, c) in cells.into_iter().enumerate() {
            if i > 0 {
                self.text.push('\t');
            }
            self.text.push_str(c.as_ref());
        }
        self.text.push('\n');
        self
    }

    /// The aligned table.
    pub fn render(&self) -> String {
        tabulate(&self.text, self.minwidth, self.padding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_ls_layout() {
        let mut t = Table::compose();
        t.row(["NAME", "STATUS", "CONFIG FILES"]);
        t.row(["displab", "exited(3)", "/tmp/disp-lab/compose.yaml"]);
        assert_eq!(
            t.render(),
            "NAME                STATUS              CONFIG FILES\n\
             displab             exited(3)           /tmp/disp-lab/compose.yaml\n"
        );
    }

    #[test]
    fn docker_ps_layout() {
        // `ps` aligns with the docker CLI formatter's tabwriter: minimum width 10, padding 3.
        let header = "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS\n";
        assert_eq!(tabulate(header, 10, 3), "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS\n");
        assert_eq!(
            tabulate("NAME\tIMAGE\ndisplab-longservicename-1\tberth-test/busybox:latest\n", 10, 3),
            "NAME                        IMAGE\ndisplab-longservicename-1   berth-test/busybox:latest\n"
        );
    }

    #[test]
    fn trailing_tab_pads_the_last_cell() {
        assert_eq!(tabulate("NAME\tIMAGE\t\nabc\tdef\tx\n", 10, 3), "NAME      IMAGE     \nabc       def       x\n");
    }

    #[test]
    fn column_blocks_restart_after_a_shorter_line() {
        let text = "a\tb\tc\nlonger-cell\tb\nsingle\nx\ty\n";
        assert_eq!(tabulate(text, 0, 1), "a           b c\nlonger-cell b\nsingle\nx y\n");
    }

    #[test]
    fn widths_count_characters() {
        assert_eq!(tabulate("é\tx\nab\ty\n", 0, 1), "é  x\nab y\n");
    }

    #[test]
    fn no_trailing_newline_is_kept() {
        assert_eq!(tabulate("a\tb", 0, 1), "a b");
        assert_eq!(tabulate("", 10, 3), "");
    }
}
