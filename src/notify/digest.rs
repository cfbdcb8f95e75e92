//! The SLO review sent on each service's `report:` schedule, through the journal: a digest is
//! claimed, sent and recorded like any message, so it goes once per channel, whichever task
//! (or restart) gets there first.

use super::channel::Channels;
use crate::aws::journal::{Journal, JournalError};
use crate::core::collected::Lookup;
use crate::core::deployments::ServiceHistory;
use crate::core::digest::due;
use crate::core::model::ServiceSlo;
use crate::core::notify::ChannelName;
use crate::render::messages::DigestMessage;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What a round of digests did: the ids sent, and those that failed (tried again next pass,
/// while the digest is still due).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DigestOutcome {
    pub sent: Vec<String>,
    pub failed: Vec<(String, String)>,
}

/// Sends every digest due at `now` that the journal has not recorded as sent. `data`: the
/// objectives' events (`slo serve`'s cache), over which the review is computed.
pub async fn send_digests<J: Journal + Sync>(
    slos: &[&ServiceSlo],
    data: &dyn Lookup,
    histories: &BTreeMap<String, ServiceHistory>,
    channels: &Channels<'_>,
    journal: &J,
    now: DateTime<Utc>,
) -> Result<DigestOutcome, JournalError> {
    let mut wanted = Vec::new();
    for slo in slos {
        let Some(digest) = &slo.digest else { continue };
        let Some(due) = due(digest, now) else {
            continue;
        };
        for via in &digest.via {
            let name = ChannelName::new(via);
            if channels.get(&name).is_some_and(|c| c.serves(&slo.service)) {
                wanted.push((*slo, digest, due.clone(), name));
            }
        }
    }
    let mut outcome = DigestOutcome::default();
    if wanted.is_empty() {
        return Ok(outcome);
    }
    let _lock = journal.lock().await?;
    let mut state = journal.load().await?;
    for (slo, digest, due, channel) in wanted {
        let review =
            crate::report::review::review(&[slo], data, histories, digest.every, 1, due.period.end);
        let label = review.rows.first().map_or_else(
            || due.period.start.format("%Y-%m-%d").to_string(),
            |r| r.label.clone(),
        );
        let id = format!("review|{}|{label}|{}", slo.service, channel.as_str());
        if state.sent.contains_key(&id) || !journal.claim(&id, now).await? {
            continue;
        }
        let message = DigestMessage {
            service: slo.service.clone(),
            label,
            table: crate::render::review::table(&review),
            dashboard_url: slo.notify.dashboard_url.clone(),
        };
        let Some(c) = channels.get(&channel) else {
            continue;
        };
        match c.send_digest(&slo.service, &message).await {
            Ok(()) => {
                state.sent.insert(id.clone(), now);
                journal.delivered(&id, now).await?;
                outcome.sent.push(id);
            }
            Err(e) => outcome.failed.push((id, e.message)),
        }
    }
    journal.save(&state).await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::{MemoryJournal, MemoryTopics};
    use crate::core::collected::Collected;
    use crate::core::collected::ObjectiveData;
    use crate::core::events::{Counts, EventSeries};
    use crate::core::model::ObjectiveKey;
    use crate::notify::channel::sns::SnsChannel;
    use crate::spec::diag::Diagnostics;
    use crate::spec::load::parse_spec;
    use chrono::TimeDelta;

    fn spec() -> ServiceSlo {
        let text = "apiVersion: slo/v1\nservice: checkout\nalb: { loadBalancer: app/shop/50dc6c495c0c9188 }\nwindow: 30d\nobjectives:\n  - { name: availability, sli: availability, target: 99.9% }\nnotify: { sns: arn:aws:sns:us-east-1:123456789012:t }\nreport: { every: week, at: \"MON 09:00\", timeZone: UTC, via: [email] }\n";
        let mut d = Diagnostics::new(std::path::Path::new("t.yaml"));
        let parsed = parse_spec(text.as_bytes(), &mut d);
        assert!(!d.has_errors(), "{:?}", d.items);
        parsed.unwrap().0
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn a_due_review_goes_once_per_channel_with_last_weeks_figures() {
        let slo = spec();
        let monday: DateTime<Utc> = "2026-11-16T09:00:00Z".parse().unwrap();
        let mut series = EventSeries::new(TimeDelta::minutes(1)).unwrap();
        for m in 0..(7 * 24 * 60) {
            let bad = u64::from(m % 1000 == 0);
            series.add(
                monday - TimeDelta::days(7) - TimeDelta::hours(9) + TimeDelta::minutes(m),
                Counts::new(100 - bad, 100),
            );
        }
        let data = Collected::from([(
            ObjectiveKey::new("checkout", "availability"),
            ObjectiveData { series, p99: None },
        )]);
        let topics = MemoryTopics::default();
        let journal = MemoryJournal::default();
        let slos = [&slo];
        let channels = Channels::new(vec![Box::new(SnsChannel::for_specs(&slos, &topics))]);
        let histories = BTreeMap::new();
        // Before its time: nothing; at its time: one, naming the week; again: nothing.
        let early = block_on(send_digests(
            &slos,
            &data,
            &histories,
            &channels,
            &journal,
            monday - TimeDelta::minutes(1),
        ))
        .unwrap();
        assert_eq!(early, DigestOutcome::default());
        let first = block_on(send_digests(
            &slos,
            &data,
            &histories,
            &channels,
            &journal,
            monday + TimeDelta::minutes(2),
        ))
        .unwrap();
        assert_eq!(first.sent, ["review|checkout|2026-W46|sns"]);
        let again = block_on(send_digests(
            &slos,
            &data,
            &histories,
            &channels,
            &journal,
            monday + TimeDelta::minutes(3),
        ))
        .unwrap();
        assert!(again.sent.is_empty(), "{again:?}");
        let published = topics.published();
        assert_eq!(published.len(), 1);
        assert_eq!(published[0].subject, "[SLO REVIEW] checkout: 2026-W46");
        let body: serde_json::Value = serde_json::from_str(&published[0].message).unwrap();
        let email = body["email"].as_str().unwrap();
        assert!(
            email.contains("checkout/availability") && email.contains("2026-W46"),
            "{email}"
        );
        assert!(email.contains("99.99"), "the week's attainment: {email}");
    }
}
