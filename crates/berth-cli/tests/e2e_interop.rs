//! End-to-end: berth and the reference Docker Compose 2.26.1 manage each other's projects —
//! same labels, same config hashes, same resource names.

mod e2e_support;

use e2e_support::{describe, text, Project};

fn ids(project: &Project) -> Vec<String> {
    project.containers().iter().map(|c| c["Id"].as_str().unwrap_or_default().to_owned()).collect()
}

#[test]
fn reference_up_after_berth_recreates_nothing() {
    let Some(project) = Project::new("reference_up_after_berth_recreates_nothing") else { return };
    project.berth_ok(&["up", "-d"]);
    let before = ids(&project);
    assert_eq!(before.len(), 2);
    let out = project.reference_ok(&["up", "-d"]);
    assert_eq!(ids(&project), before, "docker compose up -d must recreate nothing\n{}", describe(&out));
    let progress = text(&out.stderr);
    assert!(!progress.contains("Recreate"), "{progress}");
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
}

#[test]
fn berth_down_removes_reference_project() {
    let Some(project) = Project::new("berth_down_removes_reference_project") else { return };
    project.reference_ok(&["up", "-d"]);
    assert_eq!(project.states(), ["db-1=running", "web-1=running"]);
    assert_eq!(project.resources("network").len(), 2);
    project.berth_ok(&["down"]);
    assert!(project.containers().is_empty(), "containers are removed");
    assert!(project.resources("network").is_empty(), "networks are removed");
    assert_eq!(project.resources("volume").len(), 1, "volumes stay without -v");
    project.berth_ok(&["down", "-v"]);
    assert!(project.resources("volume").is_empty(), "-v removes the named volume");
}

/// One container's `docker inspect`, minus what the engine makes up (ids, times, addresses,
/// paths), with the project name replaced by `P` and container ids by their service.
fn comparable(container: &serde_json::Value, project: &Project, ids: &[(String, String)]) -> serde_json::Value {
    let mut c = container.clone();
    if let Some(o) = c.as_object_mut() {
        for volatile in ["Id", "Created", "State", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "GraphDriver", "ExecIDs"] {
            o.remove(volatile);
        }
    }
    // Networks: which ones, and the aliases asked for (the engine adds the container's short
    // id, which differs).
    let networks = c["NetworkSettings"]["Networks"].as_object().cloned().unwrap_or_default();
    let kept: serde_json::Map<String, serde_json::Value> = networks
        .into_iter()
        .map(|(name, n)| {
            let mut aliases: Vec<String> = n["Aliases"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str()).map(str::to_owned).collect())
                .unwrap_or_default();
            aliases.retain(|a| !ids.iter().any(|(id, _)| id.starts_with(a.as_str())));
            aliases.sort();
            (name, serde_json::json!({ "Aliases": aliases }))
        })
        .collect();
    c["NetworkSettings"] = serde_json::json!({ "Networks": kept });
    // Compose fills these from Go maps: their order changes from one run to the next.
    let sort_by = |v: &mut serde_json::Value, key: &str| {
        if let Some(list) = v.as_array_mut() {
            list.sort_by_key(|x| if key.is_empty() { x.to_string() } else { x[key].to_string() });
        }
    };
    sort_by(&mut c["Config"]["Env"], "");
    sort_by(&mut c["Mounts"], "Destination");
    sort_by(&mut c["HostConfig"]["Mounts"], "Target");
    sort_by(&mut c["HostConfig"]["Ulimits"], "Name");
    // A deliberate difference (docs/drop-in.md): berth keys every exposed port with its
    // protocol, where Compose passes an `expose` entry as written (`7070` for `7070/tcp`).
    if let Some(ports) = c["Config"]["ExposedPorts"].as_object_mut() {
        *ports = std::mem::take(ports)
            .into_iter()
            .map(|(k, v)| (if k.contains('/') { k } else { format!("{k}/tcp") }, v))
            .collect();
    }
    // The file publishes ephemeral ports only; Podman reports the ports it picked.
    if let Some(bindings) = c["HostConfig"]["PortBindings"].as_object_mut() {
        for binding in bindings.values_mut().filter_map(serde_json::Value::as_array_mut).flatten() {
            binding["HostPort"] = serde_json::Value::from("");
        }
    }
    // berth's own label (the service's configuration, for `config` of a running project).
    // A service sharing another's namespace is hashed with that container's id, which differs
    // between the projects: `up` by the other tool recreating nothing checks it instead.
    let shares = c["HostConfig"]["NetworkMode"].as_str().is_some_and(|m| m.starts_with("container:"));
    if let Some(labels) = c["Config"]["Labels"].as_object_mut() {
        labels.retain(|k, _| !k.starts_with("dev.berth.") && !(shares && k == "com.docker.compose.config-hash"));
    }
    let mut s = c.to_string().replace(&project.name, "P");
    for (id, service) in ids {
        s = s.replace(id.as_str(), &format!("<{service}>"));
        // Podman names a container without `hostname` after its short id.
        if let Some(short) = id.get(..12) {
            s = s.replace(short, &format!("<{service}>"));
        }
    }
    serde_json::from_str(&s).expect("JSON")
}

#[test]
fn containers_are_configured_like_the_reference() {
    let test = "containers_are_configured_like_the_reference";
    let Some(ours) = Project::new(test) else { return };
    let Some(theirs) = Project::new(test) else { return };
    ours.berth_ok(&["up", "-d"]);
    theirs.reference_ok(&["up", "-d"]);
    let snapshot = |p: &Project| -> Vec<serde_json::Value> {
        let all = p.containers();
        let ids: Vec<(String, String)> = all
            .iter()
            .map(|c| {
                let id = c["Id"].as_str().unwrap_or_default().to_owned();
                let service = c["Config"]["Labels"]["com.docker.compose.service"].as_str().unwrap_or_default().to_owned();
                (id, service)
            })
            .collect();
        all.iter().map(|c| comparable(c, p, &ids)).collect()
    };
    let (a, b) = (snapshot(&ours), snapshot(&theirs));
    assert_eq!(a.len(), 2, "{a:#?}");
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            let (xs, ys) = (serde_json::to_string_pretty(x).unwrap_or_default(), serde_json::to_string_pretty(y).unwrap_or_default());
            let diff: Vec<String> = xs
                .lines()
                .zip(ys.lines())
                .filter(|(l, r)| l != r)
                .map(|(l, r)| format!("berth: {l}\n  ref: {r}"))
                .collect();
            panic!("containers differ from the reference's:\n{}\n\nberth:\n{xs}", diff.join("\n"));
        }
    }
    // Each tool finds the other's containers up to date (hashes included).
    let ids = |p: &Project| p.containers().iter().map(|c| c["Id"].to_string()).collect::<Vec<_>>();
    let (before_ours, before_theirs) = (ids(&ours), ids(&theirs));
    let out = ours.reference_ok(&["up", "-d"]);
    assert_eq!(ids(&ours), before_ours, "docker compose up -d recreated berth's containers\n{}", describe(&out));
    let out = theirs.berth_ok(&["up", "-d"]);
    assert_eq!(ids(&theirs), before_theirs, "berth up -d recreated the reference's containers\n{}", describe(&out));
    for (kind, expected) in [("network", 2), ("volume", 1)] {
        assert_eq!(ours.resources(kind).len(), expected, "{kind}s");
        assert_eq!(theirs.resources(kind).len(), expected, "{kind}s");
    }
    ours.cleanup();
    theirs.cleanup();
}
