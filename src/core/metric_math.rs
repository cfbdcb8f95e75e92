//! The part of CloudWatch metric math the planned alarms use, as a pure evaluator: numbers,
//! metric ids, `+ - * / ^`, comparisons, `AND`/`OR`/`NOT`, `IF(c, a, b)` and `FILL(m, v)`.
//! A metric with no datapoint is `None`, and so is arithmetic on it (CloudWatch returns no
//! value there); `FILL` replaces it; `IF` with a missing condition is missing.

use std::collections::BTreeMap;

/// An expression whose metrics are named by `M`: their ids as written, or whatever a caller
/// resolved them to once ([`Expr::map_metrics`]), so that evaluating compares no strings.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr<M = String> {
    Number(f64),
    Metric(M),
    If(Box<Expr<M>>, Box<Expr<M>>, Box<Expr<M>>),
    Fill(Box<Expr<M>>, Box<Expr<M>>),
    Not(Box<Expr<M>>),
    Neg(Box<Expr<M>>),
    Binary(Op, Box<Expr<M>>, Box<Expr<M>>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("cannot read the metric-math expression `{expression}` at character {at}: {problem}")]
pub struct ParseError {
    pub expression: String,
    pub at: usize,
    pub problem: String,
}

impl Expr {
    pub fn parse(text: &str) -> Result<Expr, ParseError> {
        let tokens = tokenize(text).map_err(|(at, problem)| ParseError {
            expression: text.to_owned(),
            at,
            problem,
        })?;
        let mut p = Parser { tokens, at: 0 };
        let fail = |p: &Parser, problem: &str| ParseError {
            expression: text.to_owned(),
            at: p.tokens.get(p.at).map_or(text.len(), |t| t.1),
            problem: problem.to_owned(),
        };
        let e = p.or().map_err(|m| fail(&p, &m))?;
        if p.at != p.tokens.len() {
            return Err(fail(&p, "unexpected text after the expression"));
        }
        Ok(e)
    }

    /// The value at one timestamp, given each metric's value there.
    pub fn eval(&self, metrics: &BTreeMap<&str, Option<f64>>) -> Option<f64> {
        self.eval_with(&|id| metrics.get(id.as_str()).copied().flatten())
    }
}

impl<M> Expr<M> {
    /// The same expression with each metric replaced by `f` of it.
    pub fn map_metrics<N>(&self, f: &mut impl FnMut(&M) -> N) -> Expr<N> {
        let mut map = |e: &Expr<M>| Box::new(e.map_metrics(f));
        match self {
            Expr::Number(n) => Expr::Number(*n),
            Expr::Metric(m) => Expr::Metric(f(m)),
            Expr::If(c, a, b) => Expr::If(map(c), map(a), map(b)),
            Expr::Fill(m, v) => Expr::Fill(map(m), map(v)),
            Expr::Not(e) => Expr::Not(map(e)),
            Expr::Neg(e) => Expr::Neg(map(e)),
            Expr::Binary(op, l, r) => Expr::Binary(*op, map(l), map(r)),
        }
    }

    /// The value at one timestamp; `metric` gives each metric's value there (no allocation,
    /// for the replay's minute-by-minute evaluation).
    pub fn eval_with(&self, metric: &dyn Fn(&M) -> Option<f64>) -> Option<f64> {
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        match self {
            Expr::Number(n) => Some(*n),
            Expr::Metric(id) => metric(id),
            Expr::If(c, a, b) => {
                if c.eval_with(metric)? != 0.0 {
                    a.eval_with(metric)
                } else {
                    b.eval_with(metric)
                }
            }
            Expr::Fill(m, v) => m.eval_with(metric).or_else(|| v.eval_with(metric)),
            Expr::Not(e) => Some(truth(e.eval_with(metric)? == 0.0)),
            Expr::Neg(e) => Some(-e.eval_with(metric)?),
            Expr::Binary(op, l, r) => {
                let (l, r) = (l.eval_with(metric)?, r.eval_with(metric)?);
                let v = match op {
                    Op::Add => l + r,
                    Op::Sub => l - r,
                    Op::Mul => l * r,
                    Op::Div if r == 0.0 => return None,
                    Op::Div => l / r,
                    Op::Pow => {
                        let v = l.powf(r);
                        // A negative number to a fractional power has no real value.
                        if !v.is_finite() {
                            return None;
                        }
                        v
                    }
                    Op::Lt => truth(l < r),
                    Op::Le => truth(l <= r),
                    Op::Gt => truth(l > r),
                    Op::Ge => truth(l >= r),
                    Op::Eq => truth(l == r),
                    Op::Ne => truth(l != r),
                    Op::And => truth(l != 0.0 && r != 0.0),
                    Op::Or => truth(l != 0.0 || r != 0.0),
                };
                v.is_finite().then_some(v)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Word(String),
    Sym(&'static str),
}

fn tokenize(text: &str) -> Result<Vec<(Tok, usize)>, (usize, String)> {
    const SYMBOLS: [&str; 17] = [
        ">=", "<=", "==", "!=", "&&", "||", "+", "-", "*", "/", "^", "<", ">", "(", ")", ",", "!",
    ];
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == b'.' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.' || b[i] == b'e') {
                i += 1;
            }
            let n = text[start..i]
                .parse()
                .map_err(|_| (start, format!("`{}` is not a number", &text[start..i])))?;
            out.push((Tok::Num(n), start));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Word(text[start..i].to_owned()), start));
        } else if let Some(s) = SYMBOLS.iter().find(|s| text[i..].starts_with(**s)) {
            out.push((Tok::Sym(s), i));
            i += s.len();
        } else {
            return Err((i, format!("unexpected `{}`", c as char)));
        }
    }
    Ok(out)
}

struct Parser {
    tokens: Vec<(Tok, usize)>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at).map(|t| &t.0)
    }

    fn take_sym(&mut self, syms: &[&str]) -> Option<&'static str> {
        let s = match self.peek() {
            Some(Tok::Sym(s)) if syms.contains(s) => *s,
            Some(Tok::Word(w)) if syms.contains(&w.as_str()) => match w.as_str() {
                "AND" => "AND",
                "OR" => "OR",
                "NOT" => "NOT",
                _ => return None,
            },
            _ => return None,
        };
        self.at += 1;
        Some(s)
    }

    fn expect(&mut self, sym: &str) -> Result<(), String> {
        self.take_sym(&[sym])
            .map(|_| ())
            .ok_or_else(|| format!("expected `{sym}`"))
    }

    /// The operator of `ops` next, taken.
    fn take_op(&mut self, ops: &[(&str, Op)]) -> Option<Op> {
        let op = match self.peek() {
            Some(Tok::Sym(s)) => ops.iter().find(|(x, _)| x == s),
            Some(Tok::Word(w)) => ops.iter().find(|(x, _)| x == w),
            _ => None,
        }?;
        self.at += 1;
        Some(op.1)
    }

    fn binary(
        &mut self,
        ops: &[(&str, Op)],
        next: fn(&mut Parser) -> Result<Expr, String>,
    ) -> Result<Expr, String> {
        let mut left = next(self)?;
        while let Some(op) = self.take_op(ops) {
            left = Expr::Binary(op, Box::new(left), Box::new(next(self)?));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, String> {
        self.binary(&[("OR", Op::Or), ("||", Op::Or)], Parser::and)
    }

    fn and(&mut self) -> Result<Expr, String> {
        self.binary(&[("AND", Op::And), ("&&", Op::And)], Parser::comparison)
    }

    fn comparison(&mut self) -> Result<Expr, String> {
        self.binary(
            &[
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("==", Op::Eq),
                ("!=", Op::Ne),
                ("<", Op::Lt),
                (">", Op::Gt),
            ],
            Parser::sum,
        )
    }

    fn sum(&mut self) -> Result<Expr, String> {
        self.binary(&[("+", Op::Add), ("-", Op::Sub)], Parser::product)
    }

    fn product(&mut self) -> Result<Expr, String> {
        self.binary(&[("*", Op::Mul), ("/", Op::Div)], Parser::unary)
    }

    /// `a ^ b` binds tighter than `*` and `/`, and to the right: `2^3^2` is `2^9`.
    fn power(&mut self) -> Result<Expr, String> {
        let base = self.atom()?;
        if self.take_sym(&["^"]).is_some() {
            return Ok(Expr::Binary(
                Op::Pow,
                Box::new(base),
                Box::new(self.unary()?),
            ));
        }
        Ok(base)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.take_sym(&["-"]).is_some() {
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        if self.take_sym(&["!", "NOT"]).is_some() {
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.power()
    }

    fn atom(&mut self) -> Result<Expr, String> {
        let tok = self
            .tokens
            .get_mut(self.at)
            .map(|t| std::mem::replace(&mut t.0, Tok::Sym("")));
        self.at += 1;
        match tok {
            Some(Tok::Num(n)) => Ok(Expr::Number(n)),
            Some(Tok::Sym("(")) => {
                let e = self.or()?;
                self.expect(")")?;
                Ok(e)
            }
            Some(Tok::Word(w)) if w == "IF" || w == "FILL" => {
                self.expect("(")?;
                let mut args = vec![self.or()?];
                while self.take_sym(&[","]).is_some() {
                    args.push(self.or()?);
                }
                self.expect(")")?;
                let mut args = args.into_iter().map(Box::new);
                match (w.as_str(), args.len()) {
                    ("IF", 3) => {
                        let (c, a, b) = (args.next(), args.next(), args.next());
                        Ok(Expr::If(c.ok_or("c")?, a.ok_or("a")?, b.ok_or("b")?))
                    }
                    ("FILL", 2) => {
                        let (m, v) = (args.next(), args.next());
                        Ok(Expr::Fill(m.ok_or("m")?, v.ok_or("v")?))
                    }
                    _ => Err(format!(
                        "{w} takes {} arguments",
                        if w == "IF" { 3 } else { 2 }
                    )),
                }
            }
            Some(Tok::Word(w)) if w.starts_with(|c: char| c.is_ascii_lowercase()) => {
                Ok(Expr::Metric(w))
            }
            Some(Tok::Word(w)) => Err(format!("`{w}` is not a function this evaluator knows")),
            _ => {
                self.at -= 1;
                Err("expected a number, a metric id, IF or FILL".to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, values: &[(&str, Option<f64>)]) -> Option<f64> {
        let m: BTreeMap<&str, Option<f64>> = values.iter().copied().collect();
        Expr::parse(text).unwrap().eval(&m)
    }

    #[test]
    fn the_planned_expressions_evaluate_as_cloudwatch_defines_them() {
        let e = "IF(m1 > 0 AND FILL(m2,0)+FILL(m3,0) >= 2, (FILL(m2,0)+FILL(m3,0))/m1, 0)";
        assert_eq!(
            eval(e, &[("m1", Some(100.0)), ("m2", Some(3.0)), ("m3", None)]),
            Some(0.03)
        );
        // One bad event: below the short-window guard.
        assert_eq!(
            eval(e, &[("m1", Some(100.0)), ("m2", Some(1.0)), ("m3", None)]),
            Some(0.0)
        );
        // No requests: no datapoint at all (not 0, not 100 %).
        assert_eq!(eval(e, &[("m1", None), ("m2", None), ("m3", None)]), None);
        let latency = "IF(m1 >= 9, (m1-FILL(m2,0))/m1, 0)";
        assert_eq!(
            eval(latency, &[("m1", Some(10.0)), ("m2", Some(8.0))]),
            Some(0.2)
        );
        assert_eq!(
            eval(latency, &[("m1", Some(8.0)), ("m2", Some(0.0))]),
            Some(0.0)
        );
        assert_eq!(eval("100*FILL(m2,0)/m1", &[("m1", Some(0.0))]), None);
        assert_eq!(eval("-2 * 3 + NOT 0", &[]), Some(-5.0));
        // The short window's significance guard: 100 requests at 14.4 × 0.1 % allow 1.44 bad
        // events by chance; 6 are needed (1.44 + 2.33·1.2 + 1 = 5.24).
        let significant =
            "IF(m1 > 0 AND FILL(m2,0) >= 0.0144*m1 + 2.33*(0.0144*m1)^0.5 + 1, FILL(m2,0)/m1, 0)";
        assert_eq!(
            eval(significant, &[("m1", Some(100.0)), ("m2", Some(5.0))]),
            Some(0.0)
        );
        assert_eq!(
            eval(significant, &[("m1", Some(100.0)), ("m2", Some(6.0))]),
            Some(0.06)
        );
        assert_eq!(eval("2^3^2", &[]), Some(512.0));
        assert_eq!(eval("2*3^2", &[]), Some(18.0));
        assert_eq!(eval("(0-4)^0.5", &[]), None);
    }

    #[test]
    fn what_it_cannot_read_is_an_error_naming_the_place() {
        let err = Expr::parse("IF(m1 > 0, m2)").unwrap_err();
        assert!(err.problem.contains("3 arguments"), "{err}");
        assert!(Expr::parse("ANOMALY_DETECTION_BAND(m1)").is_err());
        assert!(Expr::parse("m1 +").is_err());
        assert!(Expr::parse("m1 $ 2").unwrap_err().problem.contains('$'));
    }
}
