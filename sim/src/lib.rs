//! The voucherlink provider simulator (docs/api.md §9): the providers' wire formats on loopback, with
//! real state and fault injection, so a POS team can develop and test with no provider account.
//!
//! It is written from the providers' documentation, independently of the library's client code,
//! so that a client bug shows up as a refused request here rather than being mirrored.
//!
//! ```no_run
//! let sim = voucherlink_sim::Simulator::start("127.0.0.1:0", &voucherlink_sim::demo_fixtures()).unwrap();
//! println!("{}", sim.ready_line()); // {"root":"http://127.0.0.1:P","eguma":"http://127.0.0.1:P/eguma",...}
//! ```

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Map, Value, json};

pub mod fault;
pub mod money;
pub mod providers;
pub mod server;
pub mod tls;

use fault::{Fault, FaultRule, Faults};
use providers::{SIMULATED, Served};
use server::{Handler, Reply, Request, Response, Server};
use tls::TlsIdentity;

/// The built-in demo data set (documented in docs/simulator.md, credentials included).
pub fn demo_fixtures() -> Value {
    serde_json::from_str(include_str!("demo_fixtures.json")).expect("the built-in fixtures are valid JSON")
}

/// Everything the simulated providers hold.
struct World {
    /// The providers' accounts, in [`SIMULATED`] order.
    providers: Vec<Box<dyn Served>>,
    faults: Faults,
    requests: BTreeMap<String, u64>,
    connections: Arc<AtomicU64>,
}

/// A running simulator. Stops when dropped.
pub struct Simulator {
    server: Server,
    world: Arc<Mutex<World>>,
    ca_pem: Option<String>,
    _revocation_server: Option<Server>,
}

impl Simulator {
    /// Loads `fixtures` (the format of docs/api.md §9) and serves on `listen` (`127.0.0.1:0` picks a
    /// free port).
    pub fn start(listen: &str, fixtures: &Value) -> Result<Simulator, String> {
        Simulator::serve(listen, fixtures, None)
    }

    /// As [`Simulator::start`], over HTTPS: the server's certificate is valid for `names` (host
    /// names or IP addresses) and signed by a CA made for this simulator alone
    /// ([`Simulator::ca_pem`]).
    pub fn start_tls(listen: &str, fixtures: &Value, names: &[&str]) -> Result<Simulator, String> {
        Simulator::serve(listen, fixtures, Some(TlsIdentity::generate(names)?))
    }

    fn serve(listen: &str, fixtures: &Value, tls: Option<TlsIdentity>) -> Result<Simulator, String> {
        let world = Arc::new(Mutex::new(load(fixtures)?));
        let handler: Handler = {
            let world = world.clone();
            Arc::new(move |request: &Request| handle(&world, request))
        };
        let server = Server::start(listen, handler, tls.as_ref().map(|t| t.config.clone()))
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        lock(&world).connections = server.connection_counter();
        let (ca_pem, revocation_server) = match tls {
            Some(t) => (Some(t.ca_pem), Some(t.revocation_server)),
            None => (None, None),
        };
        Ok(Simulator { server, world, ca_pem, _revocation_server: revocation_server })
    }

    /// `http://127.0.0.1:P`, or `https://127.0.0.1:P` over TLS.
    pub fn root_url(&self) -> String {
        let scheme = if self.ca_pem.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.server.addr())
    }

    /// The PEM certificate of the CA that signed the server's certificate (over TLS only).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// The `base_url` a client uses for `provider`.
    pub fn url(&self, provider: &str) -> String {
        format!("{}/{provider}", self.root_url())
    }

    /// The library's configuration entry of a client of `provider`'s demo account on this
    /// simulator (docs/simulator.md has the credentials). Panics for a provider it does not serve.
    pub fn demo_entry(&self, provider: &str) -> Value {
        let (_, slot) =
            providers::lookup(provider).unwrap_or_else(|| panic!("the simulator does not serve {provider:?}"));
        let mut entry = slot.demo_entry();
        entry["base_url"] = json!(self.url(provider));
        entry
    }

    /// What `code` names at `provider` now (a voucher, card, session), as [`Simulator::state`]
    /// shows it.
    pub fn item(&self, provider: &str, code: &str) -> Option<Value> {
        let (_, slot) = providers::lookup(provider)?;
        slot.item(&self.state()[provider], code)
    }

    /// The line printed when ready: the root URL and each provider's base URL.
    pub fn ready_line(&self) -> Value {
        let mut line = Map::new();
        line.insert("root".into(), json!(self.root_url()));
        for p in providers::ids() {
            line.insert(p.into(), json!(self.url(p)));
        }
        Value::Object(line)
    }

    /// The whole current state, in the fixture format.
    pub fn state(&self) -> Value {
        state(&lock(&self.world))
    }

    /// Arms a fault rule (`{"provider":..,"operation":..,"fault":..,"times":N}`).
    pub fn arm_fault(&self, rule: &Value) -> Result<(), String> {
        let rule = FaultRule::parse(rule)?;
        lock(&self.world).faults.arm(rule);
        Ok(())
    }

    /// Removes every armed fault.
    pub fn clear_faults(&self) {
        lock(&self.world).faults.clear();
    }

    /// TCP connections accepted so far (keep-alive proof).
    pub fn connections(&self) -> u64 {
        self.server.connections()
    }

    /// Requests received for `provider`'s `operation` so far.
    pub fn requests(&self, provider: &str, operation: &str) -> u64 {
        lock(&self.world).requests.get(&format!("{provider}.{operation}")).copied().unwrap_or(0)
    }

    /// Requests received for `provider` so far, every operation (token requests included).
    pub fn provider_requests(&self, provider: &str) -> u64 {
        let prefix = format!("{provider}.");
        lock(&self.world).requests.iter().filter(|(k, _)| k.starts_with(&prefix)).map(|(_, n)| n).sum()
    }

    /// Provider requests received so far (control requests not counted).
    pub fn total_requests(&self) -> u64 {
        lock(&self.world).requests.values().sum()
    }

    /// Stops serving and closes every connection.
    pub fn stop(&mut self) {
        self.server.stop();
    }
}

/// Now as `YYYY-MM-DD HH:MM:SS` (UTC), comparable with fixture dates as text.
pub fn now_iso() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        .to_string()
        .replace('T', " ")
        .trim_end_matches('Z')
        .to_string()
}

/// 64 unpredictable bits, for tokens and ids the simulator hands out.
pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

/// The first member of a request body that is not among `allowed` (each provider answers it in
/// its own way).
pub(crate) fn unknown_field<'a>(body: &'a Map<String, Value>, allowed: &[&str]) -> Option<&'a str> {
    body.keys().map(String::as_str).find(|k| !allowed.contains(k))
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|p| p.into_inner())
}

fn load(fixtures: &Value) -> Result<World, String> {
    let obj = fixtures.as_object().ok_or("the fixtures must be a JSON object")?;
    if let Some(unknown) = obj.keys().find(|k| providers::lookup(k).is_none()) {
        let known: Vec<&str> = providers::ids().collect();
        return Err(format!("unknown provider {unknown:?} in the fixtures (one of: {})", known.join(", ")));
    }
    let empty = json!({});
    Ok(World {
        providers: SIMULATED
            .iter()
            .map(|slot| (slot.load)(obj.get(slot.id).unwrap_or(&empty)))
            .collect::<Result<_, _>>()?,
        faults: Faults::default(),
        requests: BTreeMap::new(),
        connections: Arc::default(),
    })
}

fn state(world: &World) -> Value {
    Value::Object(SIMULATED.iter().zip(&world.providers).map(|(slot, p)| (slot.id.to_string(), p.state())).collect())
}

fn handle(world: &Arc<Mutex<World>>, request: &Request) -> Reply {
    let path = request.path.as_str();
    if let Some(control) = path.strip_prefix("/__sim/") {
        return Reply::Respond(control_request(world, control, request));
    }
    let Some((provider, rest)) = path.trim_start_matches('/').split_once('/') else {
        return Reply::Respond(Response::text(404, "Not Found"));
    };
    let rest = format!("/{rest}");
    // The provider recognizes its routes; the change itself runs now or, for a late fault, later.
    let Some((index, slot)) = providers::lookup(provider) else {
        return Reply::Respond(Response::text(404, &format!("The simulator does not serve {provider:?}")));
    };
    match (slot.route)(request, &rest) {
        Ok((operation, process)) => {
            let process: Process = Box::new(move |w: &mut World, q: &Request| process(&mut *w.providers[index], q));
            with_faults(world, slot.id, operation, request, process)
        }
        Err(response) => Reply::Respond(response),
    }
}

/// A recognized request's processing: changes the world and answers.
type Process = Box<dyn FnOnce(&mut World, &Request) -> Response + Send>;

/// Counts the request, then applies the armed fault (if any) around `process`.
fn with_faults(
    world: &Arc<Mutex<World>>,
    provider: &str,
    operation: &str,
    request: &Request,
    process: Process,
) -> Reply {
    let mut w = lock(world);
    *w.requests.entry(format!("{provider}.{operation}")).or_insert(0) += 1;
    match w.faults.take(provider, operation, request.idle_before) {
        None => Reply::Respond(process(&mut w, request)),
        Some(Fault::DropBeforeCommit | Fault::CloseIdle(_)) => Reply::Close,
        Some(Fault::DropAfterCommit) => {
            process(&mut w, request);
            Reply::Close
        }
        Some(Fault::Delay(d)) => {
            let mut response = process(&mut w, request);
            response.delay = Some(d);
            Reply::Respond(response)
        }
        Some(Fault::CutBody(at)) => {
            let mut response = process(&mut w, request);
            response.cut_body_at = Some(at);
            Reply::Respond(response)
        }
        Some(Fault::Status(s)) => Reply::Respond(Response::text(s, "Simulated failure")),
        Some(Fault::Garbage) => Reply::Respond(Response::raw(200, "application/json", b"\x00<html>{\"oops".to_vec())),
        Some(Fault::Late(after)) => {
            let (world, request) = (world.clone(), request.clone());
            Reply::Late(
                after,
                Box::new(move || {
                    process(&mut lock(&world), &request);
                }),
            )
        }
    }
}

fn control_request(world: &Mutex<World>, path: &str, request: &Request) -> Response {
    match (request.method.as_str(), path) {
        ("GET", "state") => Response::json(200, &state(&lock(world))),
        ("GET", "stats") => {
            let w = lock(world);
            Response::json(
                200,
                &json!({
                    "connections": w.connections.load(Ordering::SeqCst),
                    "requests": w.requests,
                    "total_requests": w.requests.values().sum::<u64>(),
                }),
            )
        }
        ("POST", "fault") => {
            let rule = serde_json::from_slice::<Value>(&request.body)
                .map_err(|e| format!("the fault rule is not JSON: {e}"))
                .and_then(|v| FaultRule::parse(&v));
            match rule {
                Ok(rule) => {
                    let armed = json!({ "armed": { "provider": rule.provider, "operation": rule.operation, "times": rule.times } });
                    lock(world).faults.arm(rule);
                    Response::json(200, &armed)
                }
                Err(e) => Response::text(400, &e),
            }
        }
        ("DELETE", "fault") => {
            lock(world).faults.clear();
            Response::json(200, &json!({ "cleared": true }))
        }
        _ => Response::text(404, "Unknown simulator control endpoint (GET state, GET stats, POST fault, DELETE fault)"),
    }
}
