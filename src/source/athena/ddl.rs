//! The ALB access-log table as AWS documents it for Athena, with partition projection by day:
//! "Create the table for ALB access logs in Athena using partition projection"
//! (<https://docs.aws.amazon.com/athena/latest/ug/create-alb-access-logs-table-partition-projection.html>),
//! its columns unchanged and its `input.regex` changed in two groups only: `user_agent` and
//! `redirect_url` are read as ALB writes quoted fields, a `"` inside escaped as `\"`. AWS's own
//! expression (`[^"]*` there) matches no line whose user agent holds a quote, and the table
//! then gives that request as a row of NULLs: Athena would not count it at all. A quarter of
//! the example's lines have one (`curl/8.5.0 \"probe\"`); `AWS_INPUT_REGEX` keeps AWS's text,
//! and the equivalence test shows both. The trailing `?( .*)?` keeps fields ALB adds later from
//! breaking the match, as that page asks. Only these groups, the names and the place are ours.

use chrono::NaiveDate;

/// The table's columns, in the order of the regex's groups.
pub const COLUMNS: [(&str, &str); 34] = [
    ("type", "string"),
    ("time", "string"),
    ("elb", "string"),
    ("client_ip", "string"),
    ("client_port", "int"),
    ("target_ip", "string"),
    ("target_port", "int"),
    ("request_processing_time", "double"),
    ("target_processing_time", "double"),
    ("response_processing_time", "double"),
    ("elb_status_code", "int"),
    ("target_status_code", "string"),
    ("received_bytes", "bigint"),
    ("sent_bytes", "bigint"),
    ("request_verb", "string"),
    ("request_url", "string"),
    ("request_proto", "string"),
    ("user_agent", "string"),
    ("ssl_cipher", "string"),
    ("ssl_protocol", "string"),
    ("target_group_arn", "string"),
    ("trace_id", "string"),
    ("domain_name", "string"),
    ("chosen_cert_arn", "string"),
    ("matched_rule_priority", "string"),
    ("request_creation_time", "string"),
    ("actions_executed", "string"),
    ("redirect_url", "string"),
    ("lambda_error_reason", "string"),
    ("target_port_list", "string"),
    ("target_status_code_list", "string"),
    ("classification", "string"),
    ("classification_reason", "string"),
    ("conn_trace_id", "string"),
];

/// The regular expression AWS documents, as the DDL's string literal writes it (`\"` for a
/// quote, `\\s`).
pub const AWS_INPUT_REGEX: &str = r#"([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) ([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" \"([^\"]*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^ ]*)\" \"([^\\s]+?)\" \"([^\\s]+)\" \"([^ ]*)\" \"([^ ]*)\" ?([^ ]*)? ?( .*)?"#;

/// AWS's, with `user_agent` and `redirect_url` read with their escaped quotes.
pub const INPUT_REGEX: &str = r#"([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*):([0-9]*) ([^ ]*)[:-]([0-9]*) ([-.0-9]*) ([-.0-9]*) ([-.0-9]*) (|[-0-9]*) (-|[-0-9]*) ([-0-9]*) ([-0-9]*) \"([^ ]*) (.*) (- |[^ ]*)\" \"((?:[^\"\\\\]|\\\\.)*)\" ([A-Z0-9-_]+) ([A-Za-z0-9.-]*) ([^ ]*) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" ([-.0-9]*) ([^ ]*) \"([^\"]*)\" \"((?:[^\"\\\\]|\\\\.)*)\" \"([^ ]*)\" \"([^\\s]+?)\" \"([^\\s]+)\" \"([^ ]*)\" \"([^ ]*)\" ?([^ ]*)? ?( .*)?"#;

/// Where one account's logs of one region are: `s3://bucket/[prefix/]AWSLogs/<account>/
/// elasticloadbalancing/<region>/`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LogPlace {
    pub bucket: String,
    /// Empty, or the load balancer's `access_logs.s3.prefix` (without slashes at its ends).
    pub prefix: String,
    pub account: String,
    pub region: String,
}

impl LogPlace {
    pub fn location(&self) -> String {
        let prefix = self.prefix.trim_matches('/');
        let prefix = if prefix.is_empty() {
            String::new()
        } else {
            format!("{prefix}/")
        };
        format!(
            "s3://{}/{prefix}AWSLogs/{}/elasticloadbalancing/{}/",
            self.bucket, self.account, self.region
        )
    }
}

/// A table name for `place`: `alb_logs_<region>` (underscores), unless given.
pub fn table_name(place: &LogPlace) -> String {
    format!("alb_logs_{}", place.region.replace('-', "_"))
}

/// `CREATE EXTERNAL TABLE` for `place`, projected by day from `since`.
pub fn create_table(database: &str, table: &str, place: &LogPlace, since: NaiveDate) -> String {
    create_table_with(INPUT_REGEX, database, table, place, since)
}

/// [`create_table`] with another expression (the equivalence test's AWS original).
pub fn create_table_with(
    regex: &str,
    database: &str,
    table: &str,
    place: &LogPlace,
    since: NaiveDate,
) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|(name, kind)| format!("            {name} {kind}"))
        .collect();
    let location = place.location();
    format!(
        "CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{table} (\n{columns}\n            )\n            \
         PARTITIONED BY\n            (\n             day STRING\n            )\n            \
         ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.RegexSerDe'\n            \
         WITH SERDEPROPERTIES (\n            'serialization.format' = '1',\n            \
         'input.regex' =\n        '{regex}'\n            )\n            \
         LOCATION '{location}'\n            \
         TBLPROPERTIES\n            (\n             \
         \"projection.enabled\" = \"true\",\n             \
         \"projection.day.type\" = \"date\",\n             \
         \"projection.day.range\" = \"{since},NOW\",\n             \
         \"projection.day.format\" = \"yyyy/MM/dd\",\n             \
         \"projection.day.interval\" = \"1\",\n             \
         \"projection.day.interval.unit\" = \"DAYS\",\n             \
         \"storage.location.template\" = \"{location}${{day}}\"\n            )",
        columns = columns.join(",\n"),
        since = since.format("%Y/%m/%d"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_where_alb_writes_and_projected_by_day() {
        let mut p = LogPlace {
            bucket: "logs".into(),
            prefix: "/prod/".into(),
            account: "123456789012".into(),
            region: "eu-west-1".into(),
        };
        let ddl = create_table(
            "slo",
            &table_name(&p),
            &p,
            NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
        );
        assert!(ddl.starts_with("CREATE EXTERNAL TABLE IF NOT EXISTS slo.alb_logs_eu_west_1 ("));
        assert!(ddl.contains(
            "LOCATION 's3://logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/'"
        ));
        assert!(ddl.contains("\"storage.location.template\" = \"s3://logs/prod/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/${day}\""));
        assert!(ddl.contains("\"projection.day.range\" = \"2026/01/02,NOW\""));
        p.prefix.clear();
        assert_eq!(
            p.location(),
            "s3://logs/AWSLogs/123456789012/elasticloadbalancing/eu-west-1/"
        );
        // One group per column, and the trailing one for fields ALB adds later.
        let groups = |r: &str| r.matches('(').count() - r.matches("(?:").count();
        assert_eq!(groups(INPUT_REGEX), COLUMNS.len() + 1);
        assert_eq!(groups(AWS_INPUT_REGEX), COLUMNS.len() + 1);
    }
}
