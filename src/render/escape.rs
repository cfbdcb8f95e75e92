//! Text from outside (log lines, ECS reasons, AWS errors) made inert for each output format:
//! what a log line says is shown, never obeyed — no `<!channel>`, no disguised link, no
//! `<script>`. E-mail is plain text and needs none of this.

/// `&`, `<`, `>`, `"` and `'` escaped, for HTML text and attribute values.
pub fn html(s: &str) -> String {
    replaced(s, |c| {
        entity(c).or(match c {
            '"' => Some("&quot;"),
            '\'' => Some("&#39;"),
            _ => None,
        })
    })
}

/// The entities of the three characters HTML, Slack and Markdown all read as markup.
fn entity(c: char) -> Option<&'static str> {
    match c {
        '&' => Some("&amp;"),
        '<' => Some("&lt;"),
        '>' => Some("&gt;"),
        _ => None,
    }
}

/// `s` with each character `with` maps to text replaced by it.
fn replaced(s: &str, with: impl Fn(char) -> Option<&'static str>) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match with(c) {
            Some(text) => out.push_str(text),
            None => out.push(c),
        }
    }
    out
}

/// Slack mrkdwn: `&`, `<` and `>` are its control characters (mentions such as `<!channel>`,
/// links `<url|text>`), so they become entities, as Slack's formatting reference asks; the rest
/// of the text is left alone, since Slack decodes only these three. A Markdown link
/// `[text](url)` is broken apart too, for the Slack surfaces and AWS Chatbot's
/// `client-markdown` that read Markdown (neither documents an escape for it), so that a log
/// line cannot show one text and lead elsewhere.
pub fn slack(s: &str) -> String {
    replaced(s, entity).replace("](", "] (")
}

/// A URL inside a Slack link `<url|label>`: `|`, `<`, `>` and spaces would end it early, so they
/// are percent-encoded; `&` becomes `&amp;` like everywhere in mrkdwn.
pub fn slack_url(url: &str) -> String {
    replaced(url, |c| match c {
        '|' => Some("%7C"),
        '<' => Some("%3C"),
        '>' => Some("%3E"),
        ' ' => Some("%20"),
        '&' => Some("&amp;"),
        _ => None,
    })
}

/// Escaped text cut short may end inside an entity (`&am`): that tail goes.
pub fn without_partial_entity(s: &str) -> &str {
    match s.rfind('&') {
        Some(i) if !s[i..].contains(';') => &s[..i],
        _ => s,
    }
}

/// Markdown (CommonMark / GitHub) inline text: HTML's characters as entities (no raw HTML, no
/// autolinks in angle brackets) and Markdown's inline punctuation behind a backslash (no
/// emphasis, code, links, images, strike-through or table cells made by the text).
pub fn markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // `ROLLBACK_SUCCESSFUL`: an underscore inside a word is never emphasis in CommonMark.
        let inside_word = |k: Option<&char>| k.is_some_and(|k| k.is_alphanumeric());
        if c == '_' && i > 0 && inside_word(chars.get(i - 1)) && inside_word(chars.get(i + 1)) {
            out.push(c);
            continue;
        }
        match (entity(c), c) {
            (Some(text), _) => out.push_str(text),
            (None, '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '#') => {
                out.push('\\');
                out.push(c);
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// Text inside a Markdown code span (`` `…` ``), where nothing is interpreted but the span's
/// end: backticks become `'`, and `|` is escaped because GitHub tables split cells on it even
/// inside code.
pub fn markdown_code(s: &str) -> String {
    s.replace('`', "'").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOSTILE: &str = "<!channel> <https://evil.example/login|Click to re-authenticate> <script>alert(1)</script> [Click](https://evil.example) *bold* `code` | a & b";

    #[test]
    fn slack_text_mentions_and_links_are_inert() {
        let out = slack(HOSTILE);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(out.starts_with("&lt;!channel&gt; &lt;https://evil.example/login|Click"));
        assert!(out.ends_with("a &amp; b"));
        assert!(!out.contains("]("), "{out}");
        assert_eq!(without_partial_entity("a &amp; b &am"), "a &amp; b ");
        assert_eq!(without_partial_entity("a &amp;"), "a &amp;");
        assert_eq!(
            slack_url("https://x.example/?a=1&b=<2>|c d"),
            "https://x.example/?a=1&amp;b=%3C2%3E%7Cc%20d"
        );
    }

    #[test]
    fn markdown_text_has_no_html_and_no_markup() {
        let out = markdown(HOSTILE);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(out.contains("\\[Click\\](https://evil.example)"), "{out}");
        assert!(out.contains("\\*bold\\* \\`code\\` \\| a &amp; b"), "{out}");
        assert_eq!(markdown_code("a`b|c"), "a'b\\|c");
        assert_eq!(
            markdown("ROLLBACK_SUCCESSFUL _x_"),
            "ROLLBACK_SUCCESSFUL \\_x\\_"
        );
    }

    proptest! {
        /// Whatever the text, no control character of the format is left bare.
        #[test]
        fn nothing_is_left_bare(s in "\\PC{0,200}") {
            prop_assert!(!slack(&s).contains(['<', '>']));
            prop_assert!(!markdown(&s).contains(['<', '>']));
            let sl = slack(&s);
            // Every `&` starts one of the three entities.
            for (i, _) in sl.match_indices('&') {
                let rest = &sl[i..];
                prop_assert!(rest.starts_with("&amp;") || rest.starts_with("&lt;") || rest.starts_with("&gt;"));
            }
        }
    }
}
