//! A composite alarm's rule as a tree, not a string: built by the plan, printed in
//! CloudWatch's syntax, and parsed back from what CloudWatch returns so that the two compare
//! as rules (and the alarms a rule names are known without string searching).

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `ALARM("name")`: the named alarm is in ALARM.
    Alarm(String),
    /// `OK("name")`.
    Ok(String),
    /// `INSUFFICIENT_DATA("name")`.
    InsufficientData(String),
    And(Vec<Rule>),
    Or(Vec<Rule>),
    Not(Box<Rule>),
    True,
    False,
    /// A rule this parser does not understand, read back from an alarm someone edited: kept
    /// verbatim, so the plan shows it differs.
    Unparsed(String),
}

impl Rule {
    pub fn alarm(name: impl Into<String>) -> Rule {
        Rule::Alarm(name.into())
    }

    /// Every alarm the rule refers to, in order of appearance.
    pub fn alarms(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Rule::Alarm(n) | Rule::Ok(n) | Rule::InsufficientData(n) => out.push(n),
            Rule::And(rs) | Rule::Or(rs) => rs.iter().for_each(|r| r.collect(out)),
            Rule::Not(r) => r.collect(out),
            Rule::True | Rule::False | Rule::Unparsed(_) => {}
        }
    }

    /// Parses CloudWatch's rule syntax; what it cannot parse becomes `Unparsed`.
    pub fn parse(text: &str) -> Rule {
        let mut p = Parser {
            tokens: tokenize(text),
            at: 0,
        };
        match p.or() {
            Some(rule) if p.at == p.tokens.len() => rule,
            _ => Rule::Unparsed(text.to_owned()),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let joined = |f: &mut fmt::Formatter<'_>, rs: &[Rule], op: &str| {
            for (i, r) in rs.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                match r {
                    Rule::And(_) | Rule::Or(_) => write!(f, "({r})")?,
                    _ => write!(f, "{r}")?,
                }
            }
            Ok(())
        };
        match self {
            Rule::Alarm(n) => write!(f, "ALARM(\"{n}\")"),
            Rule::Ok(n) => write!(f, "OK(\"{n}\")"),
            Rule::InsufficientData(n) => write!(f, "INSUFFICIENT_DATA(\"{n}\")"),
            Rule::And(rs) => joined(f, rs, "AND"),
            Rule::Or(rs) => joined(f, rs, "OR"),
            Rule::Not(r) => match **r {
                Rule::And(_) | Rule::Or(_) => write!(f, "NOT ({r})"),
                _ => write!(f, "NOT {r}"),
            },
            Rule::True => f.write_str("TRUE"),
            Rule::False => f.write_str("FALSE"),
            Rule::Unparsed(s) => f.write_str(s),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Open,
    Close,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    s.push(c);
                }
                out.push(Token::Quoted(s));
            }
            _ => {
                let mut s = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    s.push(c);
                    chars.next();
                }
                out.push(Token::Word(s));
            }
        }
    }
    out
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek_word(&self, w: &str) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(x)) if x == w)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn or(&mut self) -> Option<Rule> {
        self.list("OR", Parser::and, Rule::Or)
    }

    fn and(&mut self) -> Option<Rule> {
        self.list("AND", Parser::unary, Rule::And)
    }

    fn list(
        &mut self,
        op: &str,
        item: fn(&mut Parser) -> Option<Rule>,
        make: fn(Vec<Rule>) -> Rule,
    ) -> Option<Rule> {
        let mut items = vec![item(self)?];
        while self.peek_word(op) {
            self.at += 1;
            items.push(item(self)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            make(items)
        })
    }

    fn unary(&mut self) -> Option<Rule> {
        match self.next()? {
            Token::Open => {
                let r = self.or()?;
                (self.next()? == Token::Close).then_some(r)
            }
            Token::Word(w) if w == "NOT" => Some(Rule::Not(Box::new(self.unary()?))),
            Token::Word(w) if w == "TRUE" => Some(Rule::True),
            Token::Word(w) if w == "FALSE" => Some(Rule::False),
            Token::Word(w) => {
                let make: fn(String) -> Rule = match w.as_str() {
                    "ALARM" => Rule::Alarm,
                    "OK" => Rule::Ok,
                    "INSUFFICIENT_DATA" => Rule::InsufficientData,
                    _ => return None,
                };
                if self.next()? != Token::Open {
                    return None;
                }
                let name = match self.next()? {
                    Token::Quoted(n) | Token::Word(n) => n,
                    _ => return None,
                };
                (self.next()? == Token::Close).then(|| make(name))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_prints_in_cloudwatch_syntax_and_parses_back() {
        let page = Rule::Or(vec![
            Rule::And(vec![Rule::alarm("a:1h"), Rule::alarm("a:5m")]),
            Rule::And(vec![Rule::alarm("b:6h"), Rule::alarm("b:30m")]),
        ]);
        let text = page.to_string();
        assert_eq!(
            text,
            r#"(ALARM("a:1h") AND ALARM("a:5m")) OR (ALARM("b:6h") AND ALARM("b:30m"))"#
        );
        assert_eq!(Rule::parse(&text), page);
        assert_eq!(page.alarms(), vec!["a:1h", "a:5m", "b:6h", "b:30m"]);
        let fallback = Rule::And(vec![
            Rule::Not(Box::new(Rule::Ok("hb".into()))),
            Rule::alarm("page"),
        ]);
        assert_eq!(Rule::parse(&fallback.to_string()), fallback);
    }

    #[test]
    fn whitespace_and_unquoted_names_do_not_matter_and_junk_is_kept_verbatim() {
        assert_eq!(
            Rule::parse("ALARM(x)  AND\n ALARM( \"y\" )"),
            Rule::And(vec![Rule::alarm("x"), Rule::alarm("y")])
        );
        assert_eq!(
            Rule::parse("ALARM(x) AND"),
            Rule::Unparsed("ALARM(x) AND".into())
        );
        assert_eq!(
            Rule::parse("AT_LEAST(2, ALARM(x))").alarms(),
            Vec::<&str>::new()
        );
    }
}
