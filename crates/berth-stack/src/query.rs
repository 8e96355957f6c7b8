//! The read-only commands' data: `stack ls` (stacks and their service counts), `stack
//! services` and `stack ps` (a stack's services and tasks, with the names the docker CLI
//! shows). They work from engine labels alone: no compose file is needed.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use berth_engine::{Engine, Filters, ListOptions, ServiceDetails, TaskDetails};

use crate::error::{Error, Result};
use crate::names::{Namespace, LABEL_NAMESPACE};

/// A stack, as `stack ls` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSummary {
    /// Stack name.
    pub name: String,
    /// Number of services.
    pub services: usize,
}

/// Compares strings the way people count: digit runs by value (`web-2` before `web-10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, ra) = a.split_at(da);
                let (nb, rb) = b.split_at(db);
                let trim = |n: &[u8]| -> Vec<u8> { n.iter().copied().skip_while(|c| *c == b'0').collect() };
                let (ta, tb) = (trim(na), trim(nb));
                let ord = ta.len().cmp(&tb.len()).then_with(|| ta.cmp(&tb)).then_with(|| na.len().cmp(&nb.len()));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = ra;
                b = rb;
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = a.get(1..).unwrap_or_default();
                b = b.get(1..).unwrap_or_default();
            }
        }
    }
}

/// Every stack with services, by name.
pub async fn list_stacks(engine: &dyn Engine) -> Result<Vec<StackSummary>> {
    let options = ListOptions { filters: Filters::new().label(LABEL_NAMESPACE) };
    let services = engine.list_services(&options).await.map_err(Error::engine("listing services"))?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for s in services {
        let name = s.spec.labels.get(LABEL_NAMESPACE).cloned().ok_or_else(|| {
            Error::Invalid(format!("cannot get label {LABEL_NAMESPACE} for service {}", s.id))
        })?;
        *counts.entry(name).or_default() += 1;
    }
    let mut out: Vec<StackSummary> = counts.into_iter().map(|(name, services)| StackSummary { name, services }).collect();
    out.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    Ok(out)
}

/// `filters` plus the stack's label.
pub fn stack_filters(ns: &Namespace, filters: &Filters) -> Filters {
    let mut f = filters.clone();
    f.add("label", ns.filter());
    f
}

/// The services of a stack matching `filters`, by name.
pub async fn stack_services(engine: &dyn Engine, ns: &Namespace, filters: &Filters) -> Result<Vec<ServiceDetails>> {
    let options = ListOptions { filters: stack_filters(ns, filters) };
    let mut services = engine.list_services(&options).await.map_err(Error::engine("listing services"))?;
    services.sort_by(|a, b| natural_cmp(&a.spec.name, &b.spec.name));
    Ok(services)
}

/// A task with the names `stack ps` shows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRow {
    /// The task.
    pub task: TaskDetails,
    /// `service.slot`, or `service.node-id` for global services.
    pub name: String,
    /// Whether an earlier task of the same slot is shown above it (history).
    pub previous: bool,
    /// The node's host name (its id when unknown).
    pub node: String,
    /// The service's name.
    pub service: String,
}

/// The tasks of a stack matching `filters`: grouped by name, newest first within a slot,
/// as `docker stack ps` lists them. `resolve` maps ids to service and node names.
pub async fn stack_tasks(engine: &dyn Engine, ns: &Namespace, filters: &Filters, resolve: bool) -> Result<Vec<TaskRow>> {
    let options = ListOptions { filters: stack_filters(ns, filters) };
    let tasks = engine.list_tasks(&options).await.map_err(Error::engine("listing tasks"))?;
    let (services, nodes) = if resolve {
        let services: BTreeMap<String, String> = engine
            .list_services(&ListOptions { filters: stack_filters(ns, &Filters::new()) })
            .await
            .map_err(Error::engine("listing services"))?
            .into_iter()
            .map(|s| (s.id, s.spec.name))
            .collect();
        let nodes: BTreeMap<String, String> = engine
            .list_nodes(&ListOptions::default())
            .await
            .map_err(Error::engine("listing nodes"))?
            .into_iter()
            .map(|n| (n.id, n.hostname))
            .collect();
        (services, nodes)
    } else {
        (BTreeMap::new(), BTreeMap::new())
    };
    Ok(task_rows(tasks, &services, &nodes))
}

/// Names, orders and marks history of `tasks` (pure part of [`stack_tasks`]).
pub fn task_rows(tasks: Vec<TaskDetails>, services: &BTreeMap<String, String>, nodes: &BTreeMap<String, String>) -> Vec<TaskRow> {
    let mut rows: Vec<TaskRow> = tasks
        .into_iter()
        .map(|t| {
            let service = services.get(&t.service_id).cloned().unwrap_or_else(|| t.service_id.clone());
            let node_id = t.node_id.clone().unwrap_or_default();
            let name = match t.slot {
                Some(slot) if slot != 0 => format!("{service}.{slot}"),
                _ => format!("{service}.{node_id}"),
            };
            let node = nodes.get(&node_id).cloned().unwrap_or(node_id);
            TaskRow { task: t, name, previous: false, node, service }
        })
        .collect();
    let when = |t: &TaskDetails| crate::time::parse_rfc3339(&t.timestamp);
    rows.sort_by(|a, b| natural_cmp(&a.name, &b.name).then_with(|| when(&b.task).cmp(&when(&a.task))));
    let mut prev = String::new();
    for r in &mut rows {
        r.previous = r.name == prev;
        prev.clone_from(&r.name);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order() {
        let mut v = vec!["service-name-10-foo", "service-name-2-foo", "service-name-1-foo", "a", "a01", "a1"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a", "a1", "a01", "service-name-1-foo", "service-name-2-foo", "service-name-10-foo"]);
    }

    #[test]
    fn task_names_history_and_nodes() {
        let t = |id: &str, slot: Option<i64>, ts: &str| TaskDetails {
            id: id.into(),
            service_id: "sid".into(),
            slot,
            node_id: Some("nid".into()),
            timestamp: ts.into(),
            ..TaskDetails::default()
        };
        let services = BTreeMap::from([("sid".to_owned(), "shop_web".to_owned())]);
        let nodes = BTreeMap::from([("nid".to_owned(), "host1".to_owned())]);
        let rows = task_rows(
            vec![t("a", Some(2), "2024-01-01T00:00:01Z"), t("b", Some(1), "2024-01-01T00:00:01Z"), t("c", Some(1), "2024-01-01T00:00:05Z"), t("d", None, "x")],
            &services,
            &nodes,
        );
        let names: Vec<(&str, &str, bool)> = rows.iter().map(|r| (r.task.id.as_str(), r.name.as_str(), r.previous)).collect();
        assert_eq!(names, [("c", "shop_web.1", false), ("b", "shop_web.1", true), ("a", "shop_web.2", false), ("d", "shop_web.nid", false)]);
        assert_eq!(rows[0].node, "host1");
    }
}
