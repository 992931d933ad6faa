//! Fault injection: `POST /__sim/fault` arms a fault for the next matching requests.

use std::time::Duration;

use serde_json::Value;

/// What goes wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Apply the change, then close the connection without answering (the lost answer).
    DropAfterCommit,
    /// Close the connection without changing anything.
    DropBeforeCommit,
    /// Apply the change, then answer this late.
    Delay(Duration),
    /// Answer with this HTTP status and change nothing.
    Status(u16),
    /// HTTP 200 with an unparseable body; nothing changed.
    Garbage,
    /// Never answer; apply the change this long after the request arrived (a request that
    /// reaches the provider after the client gave up: a slow provider, a proxy's queue). The
    /// connection is closed then.
    Late(Duration),
    /// A server closing an idle keep-alive connection just as a request arrives on it: a request
    /// on a connection that was idle at least this long is dropped unprocessed (the connection
    /// closed). Requests on fresh or busier connections pass and do not use the rule up.
    CloseIdle(Duration),
    /// Apply the change, send the answer's status line, its headers and the first this many bytes
    /// of its body, then close the connection: an answer cut short (a proxy, a dropped line) after
    /// the client has already seen a status.
    CutBody(usize),
}

/// One armed fault.
#[derive(Clone, Debug)]
pub struct FaultRule {
    /// Provider id.
    pub provider: String,
    /// Operation name (docs/api.md §6).
    pub operation: String,
    /// The fault.
    pub fault: Fault,
    /// How many more matching requests it applies to.
    pub times: u32,
    /// How many matching requests pass untouched before it applies.
    pub skip: u32,
}

impl FaultRule {
    /// Parses `{"provider":..,"operation":..,"fault":KIND,"times":N}`.
    pub fn parse(spec: &Value) -> Result<FaultRule, String> {
        let obj = spec.as_object().ok_or("the fault rule must be a JSON object")?;
        for key in obj.keys() {
            if !["provider", "operation", "fault", "times", "skip"].contains(&key.as_str()) {
                return Err(format!("unknown field `{key}` in the fault rule"));
            }
        }
        let text = |k: &str| obj.get(k).and_then(Value::as_str).ok_or(format!("`{k}` (a string) is missing"));
        let provider = text("provider")?;
        let operation = text("operation")?;
        let (_, slot) = crate::providers::lookup(provider).ok_or(format!("unknown provider {provider:?}"))?;
        if !slot.operations.contains(&operation) {
            return Err(format!("{provider} has no operation {operation:?} (one of: {})", slot.operations.join(", ")));
        }
        let fault = match obj.get("fault").ok_or("`fault` is missing")? {
            Value::String(s) => match s.as_str() {
                "drop_after_commit" => Fault::DropAfterCommit,
                "drop_before_commit" => Fault::DropBeforeCommit,
                "garbage" => Fault::Garbage,
                other => return Err(format!("unknown fault {other:?}")),
            },
            Value::Object(o) if o.len() == 1 && o.contains_key("delay_ms") => {
                let ms = o["delay_ms"].as_u64().filter(|ms| *ms <= 600_000).ok_or("`delay_ms` must be 0..=600000")?;
                Fault::Delay(Duration::from_millis(ms))
            }
            Value::Object(o) if o.len() == 1 && o.contains_key("late_ms") => {
                let ms = o["late_ms"].as_u64().filter(|ms| *ms <= 600_000).ok_or("`late_ms` must be 0..=600000")?;
                Fault::Late(Duration::from_millis(ms))
            }
            Value::Object(o) if o.len() == 1 && o.contains_key("close_idle_ms") => {
                let ms = o["close_idle_ms"]
                    .as_u64()
                    .filter(|ms| *ms <= 600_000)
                    .ok_or("`close_idle_ms` must be 0..=600000")?;
                Fault::CloseIdle(Duration::from_millis(ms))
            }
            Value::Object(o) if o.len() == 1 && o.contains_key("cut_body_at") => {
                let at =
                    o["cut_body_at"].as_u64().filter(|n| *n <= 1_000_000).ok_or("`cut_body_at` must be 0..=1000000")?;
                Fault::CutBody(at as usize)
            }
            Value::Object(o) if o.len() == 1 && o.contains_key("status") => {
                let status =
                    o["status"].as_u64().filter(|s| (400..=599).contains(s)).ok_or("`status` must be 400..=599")?;
                Fault::Status(status as u16)
            }
            other => return Err(format!("unknown fault {other}")),
        };
        let times = match obj.get("times") {
            None => 1,
            Some(v) => v.as_u64().filter(|t| (1..=1_000_000).contains(t)).ok_or("`times` must be 1..=1000000")? as u32,
        };
        let skip = match obj.get("skip") {
            None => 0,
            Some(v) => v.as_u64().filter(|s| *s <= 1_000_000).ok_or("`skip` must be 0..=1000000")? as u32,
        };
        Ok(FaultRule { provider: provider.to_string(), operation: operation.to_string(), fault, times, skip })
    }
}

/// The armed faults, oldest first.
#[derive(Default, Debug)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    /// Arms a rule.
    pub fn arm(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    /// Removes every rule.
    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// The fault for this request, if one is armed (using up one of its `times`). `idle_before`:
    /// how long the request's connection was idle before it (None on a new connection).
    pub fn take(&mut self, provider: &str, operation: &str, idle_before: Option<Duration>) -> Option<Fault> {
        let applies = |r: &FaultRule| match r.fault {
            Fault::CloseIdle(idle) => idle_before.is_some_and(|d| d >= idle),
            _ => true,
        };
        let i = self.rules.iter().position(|r| r.provider == provider && r.operation == operation && applies(r))?;
        let rule = &mut self.rules[i];
        if rule.skip > 0 {
            rule.skip -= 1;
            return None;
        }
        let fault = rule.fault.clone();
        rule.times -= 1;
        if rule.times == 0 {
            self.rules.remove(i);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_kind_and_counts_down() {
        for (kind, fault) in [
            (json!("drop_after_commit"), Fault::DropAfterCommit),
            (json!("drop_before_commit"), Fault::DropBeforeCommit),
            (json!("garbage"), Fault::Garbage),
            (json!({"delay_ms": 250}), Fault::Delay(Duration::from_millis(250))),
            (json!({"status": 503}), Fault::Status(503)),
            (json!({"late_ms": 1500}), Fault::Late(Duration::from_millis(1500))),
            (json!({"cut_body_at": 3}), Fault::CutBody(3)),
        ] {
            let rule =
                FaultRule::parse(&json!({"provider":"eguma","operation":"redeem","fault":kind,"times":2})).unwrap();
            assert_eq!(rule.fault, fault);
            let mut faults = Faults::default();
            faults.arm(rule);
            assert!(faults.take("eguma", "balance", None).is_none());
            assert_eq!(faults.take("eguma", "redeem", None), Some(fault.clone()));
            assert_eq!(faults.take("eguma", "redeem", None), Some(fault));
            assert!(faults.take("eguma", "redeem", None).is_none());
        }
    }

    #[test]
    fn skip_lets_requests_pass_first() {
        let mut faults = Faults::default();
        faults.arm(
            FaultRule::parse(&json!({"provider":"eguma","operation":"balance","fault":"garbage","skip":1})).unwrap(),
        );
        assert_eq!(faults.take("eguma", "balance", None), None);
        assert_eq!(faults.take("eguma", "balance", None), Some(Fault::Garbage));
        assert_eq!(faults.take("eguma", "balance", None), None);
    }

    #[test]
    fn a_close_race_hits_only_requests_on_long_idle_connections() {
        let mut faults = Faults::default();
        faults.arm(
            FaultRule::parse(&json!({"provider":"eguma","operation":"redeem","fault":{"close_idle_ms":1000}})).unwrap(),
        );
        assert_eq!(faults.take("eguma", "redeem", None), None, "a new connection");
        assert_eq!(faults.take("eguma", "redeem", Some(Duration::from_millis(999))), None);
        let hit = faults.take("eguma", "redeem", Some(Duration::from_millis(1000)));
        assert_eq!(
            FaultRule::parse(&json!({"provider":"eguma","operation":"redeem","fault":{"close_idle_ms":-1}})).err(),
            Some("`close_idle_ms` must be 0..=600000".to_string())
        );
        assert_eq!(hit, Some(Fault::CloseIdle(Duration::from_millis(1000))));
        assert_eq!(faults.take("eguma", "redeem", Some(Duration::from_secs(5))), None, "used up");
    }

    #[test]
    fn refuses_unknown_parts() {
        for bad in [
            json!({"provider":"eguma","operation":"refund","fault":"garbage"}),
            json!({"provider":"nope","operation":"redeem","fault":"garbage"}),
            json!({"provider":"eguma","operation":"redeem","fault":"explode"}),
            json!({"provider":"eguma","operation":"redeem","fault":{"status":200}}),
            json!({"provider":"eguma","operation":"redeem","fault":"garbage","times":0}),
            json!({"provider":"eguma","operation":"redeem","fault":"garbage","extra":1}),
        ] {
            assert!(FaultRule::parse(&bad).is_err(), "{bad}");
        }
    }
}
