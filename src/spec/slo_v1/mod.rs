//! The `slo/v1` format: its serde wire types (`wire`), the walk that finds every unknown key
//! and misshapen value at once (`keys`), and the checks that turn a document into the core's
//! model (`convert`, and `exclusions` for maintenance windows). Another format (OpenSLO) gets a folder like this one beside it.

pub mod convert;
pub mod exclusions;
pub mod keys;
pub mod wire;

use super::diag::{Diagnostics, Level};
use super::load::{Parsed, clean_path, hint_for, strip_location};
use wire::SpecDoc;

/// One `slo/v1` document's text, checked and converted, reporting into `d`.
pub fn parse(text: &str, d: &mut Diagnostics) -> Option<Parsed> {
    // Every unknown key and misshapen value at once (serde would stop at the first). When
    // they are all unknown `key: value` entries, the typed pass still reads the file with
    // them blanked out, so its other errors are told in the same run; the file stays invalid.
    let (found, cleaned) = keys::check_and_clean(text, d);
    if found.is_some_and(|n| n > 0) {
        if let Some(cleaned) = cleaned
            && let Some(doc) = parse_yaml(&cleaned, d)
        {
            let _ = convert::convert(&doc, d);
        }
        return None;
    }
    let doc = parse_yaml(text, d)?;
    let service = doc.service.referenced;
    let at = (service.line() > 0).then(|| (service.line(), service.column()));
    convert::convert(&doc, d).map(|slo| (slo, at))
}

fn parse_yaml(text: &str, d: &mut Diagnostics) -> Option<SpecDoc> {
    let mut field = String::new();
    let parsed = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|e| {
            field = clean_path(&e.path().to_string());
            e.into_inner()
        })
    });
    match parsed {
        Ok(doc) => Some(doc),
        Err(e) => {
            let message = strip_location(&e.without_snippet().to_string());
            let hint = hint_for(&message);
            d.push(Level::Error, e.location(), field, message, hint);
            None
        }
    }
}
