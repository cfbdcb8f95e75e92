use crate::support::{assert_golden, fixtures, root, slo, text};

#[test]
fn the_example_specs_in_slo_are_valid() {
    let out = slo(&["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("ok: 2 spec(s), 4 objective(s)"));
}

#[test]
fn every_good_fixture_is_valid() {
    for spec in fixtures("tests/fixtures/specs/good", "yaml") {
        let out = slo(&["validate", spec.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            spec.display(),
            text(&out.stderr)
        );
    }
}

#[test]
fn every_bad_fixture_fails_with_its_golden_message_naming_the_file() {
    let bad = fixtures("tests/fixtures/specs/bad", "yaml");
    assert!(bad.len() >= 10);
    for spec in bad {
        let name = spec.to_str().unwrap();
        let out = slo(&["validate", name]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(stderr.starts_with(name), "{name}: {stderr}");
        assert_golden(&root().join(spec.with_extension("expected")), &stderr);
    }
}

#[test]
fn warnings_do_not_fail_validation_unless_strict() {
    let spec = "tests/fixtures/specs/good/weekly-warnings.yaml";
    let out = slo(&["validate", spec]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("warning: objectives[0].target"));
    let strict = slo(&["validate", "--strict", spec]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn the_same_service_in_two_files_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(root().join("slo/checkout.yaml")).unwrap();
    std::fs::write(dir.path().join("a.yaml"), &spec).unwrap();
    std::fs::write(dir.path().join("b.yml"), &spec).unwrap();
    let out = slo(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("b.yml:3:10: error: service: service `checkout` is already defined in"),
        "{stderr}"
    );
}

#[test]
fn a_missing_path_or_an_empty_directory_is_a_usage_error() {
    let out = slo(&["validate", "no/such/dir"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read no/such/dir"));
    let dir = tempfile::tempdir().unwrap();
    let out = slo(&["validate", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no spec files"));
}

#[test]
fn unknown_flags_are_usage_errors_and_help_works() {
    assert_eq!(slo(&["validate", "--bogus"]).status.code(), Some(2));
    assert_eq!(slo(&["--version"]).status.code(), Some(0));
    for cmd in crate::support::COMMANDS {
        let out = slo(&[cmd, "--help"]);
        assert_eq!(out.status.code(), Some(0));
        assert!(text(&out.stdout).contains("Usage: slo"));
    }
}
