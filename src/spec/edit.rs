//! Changes `slo` makes to a spec file itself, as text, so that its comments, order and layout
//! stay as people wrote them: `slo exclude` adds an entry to `exclusions:`.

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EditError {
    #[error(
        "its `exclusions:` is written inline (`exclusions: [ … ]`): add the entry there by hand, or write the list one entry a line"
    )]
    InlineList,
}

/// `text` with `entry` (a one-line YAML flow mapping) added as the last item of its top-level
/// `exclusions:` list, or with a new `exclusions:` list at its end.
pub fn add_exclusion(text: &str, entry: &str) -> Result<String, EditError> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(key) = lines.iter().position(|l| {
        l.strip_prefix("exclusions:")
            .is_some_and(|rest| rest.trim().is_empty() || rest.trim_start().starts_with('#'))
    }) else {
        if lines
            .iter()
            .any(|l| l.starts_with("exclusions:") && !l.trim_end().ends_with(':'))
        {
            return Err(EditError::InlineList);
        }
        let mut out = text.to_owned();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!("exclusions:\n  - {entry}\n"));
        return Ok(out);
    };
    // The list runs while lines are indented, blank or comments; the entry goes after its
    // last item's last line, at the indentation of its dashes.
    let mut last = key;
    let mut indent = "  ".to_owned();
    for (i, l) in lines.iter().enumerate().skip(key + 1) {
        let trimmed = l.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        // Items start with `- ` (at the key's column or indented); anything else at column 0
        // is the next key.
        if !(l.starts_with(' ') || l.starts_with("- ")) {
            break;
        }
        if trimmed.starts_with("- ") && last == key {
            indent = l[..l.len() - trimmed.len()].to_owned();
        }
        last = i;
    }
    let mut out: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();
    out.insert(last + 1, format!("{indent}- {entry}"));
    let mut joined = out.join("\n");
    joined.push('\n');
    Ok(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str =
        "{ start: 2026-11-08T02:00:00Z, end: 2026-11-08T04:00:00Z, reason: \"drill\" }";

    #[test]
    fn a_new_list_goes_at_the_end() {
        let out = add_exclusion("service: a\nwindow: 30d  # rolling", ENTRY).unwrap();
        assert_eq!(
            out,
            format!("service: a\nwindow: 30d  # rolling\nexclusions:\n  - {ENTRY}\n")
        );
    }

    #[test]
    fn an_entry_joins_an_existing_list_after_its_last_item_and_keeps_comments() {
        let text = "service: a\nexclusions:\n  # the weekly one\n  - schedule: \"cron(0 2 ? * SUN *)\"\n    duration: 2h\n    reason: weekly\n\nnotify: { sns: x }\n";
        let out = add_exclusion(text, ENTRY).unwrap();
        assert_eq!(
            out,
            format!(
                "service: a\nexclusions:\n  # the weekly one\n  - schedule: \"cron(0 2 ? * SUN *)\"\n    duration: 2h\n    reason: weekly\n  - {ENTRY}\n\nnotify: {{ sns: x }}\n"
            )
        );
    }

    #[test]
    fn an_unindented_list_keeps_its_indentation() {
        let text = "exclusions:\n- { start: a, end: b, reason: c }\nservice: a\n";
        let out = add_exclusion(text, ENTRY).unwrap();
        assert_eq!(
            out,
            format!("exclusions:\n- {{ start: a, end: b, reason: c }}\n- {ENTRY}\nservice: a\n")
        );
    }

    #[test]
    fn an_inline_list_is_left_to_people() {
        assert_eq!(
            add_exclusion("exclusions: []\n", ENTRY),
            Err(EditError::InlineList)
        );
    }
}
