//! Links into the AWS console, built in one place: the CloudWatch dashboard `slo` keeps, an
//! alarm, and a log group's events over a window. Pure string building.

use chrono::{DateTime, Utc};

fn cloudwatch(region: &str) -> String {
    format!("https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}")
}

/// The console's page of a dashboard.
pub fn dashboard_url(region: &str, name: &str) -> String {
    format!("{}#dashboards/dashboard/{name}", cloudwatch(region))
}

/// The console's page of an alarm (`:` in names percent-encoded, as the console writes them).
pub fn alarm_url(region: &str, name: &str) -> String {
    format!(
        "{}#alarmsV2:alarm/{}",
        cloudwatch(region),
        name.replace(':', "%3A")
    )
}

/// The console's events of `group` over `[from, to)` in `region`.
pub fn log_events_url(region: &str, group: &str, from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    // The console's fragment encodes `/` and `?`/`=`/`&` its own way: `$252F`, `$3F`, `$3D`, `$26`.
    let group: String = group
        .chars()
        .map(|c| match c {
            '/' => "$252F".to_owned(),
            c if c.is_ascii_alphanumeric() || "-_.".contains(c) => c.to_string(),
            c => format!("$25{:02X}", c as u32),
        })
        .collect();
    format!(
        "{}#logsV2:log-groups/log-group/{group}/log-events$3Fstart$3D{}$26end$3D{}",
        cloudwatch(region),
        from.timestamp_millis(),
        to.timestamp_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_the_consoles() {
        assert_eq!(
            dashboard_url("ap-northeast-1", "slo-checkout"),
            "https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home?region=ap-northeast-1#dashboards/dashboard/slo-checkout"
        );
        assert_eq!(
            alarm_url("us-east-1", "slo:checkout:availability:page"),
            "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/slo%3Acheckout%3Aavailability%3Apage"
        );
        let t = DateTime::from_timestamp(1_795_000_000, 0).unwrap();
        assert!(
            log_events_url("us-east-1", "/ecs/check out", t, t)
                .ends_with("#logsV2:log-groups/log-group/$252Fecs$252Fcheck$2520out/log-events$3Fstart$3D1795000000000$26end$3D1795000000000")
        );
    }
}
