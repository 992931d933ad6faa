//! The simulated providers: one module each, behind [`Simulated`], and [`SIMULATED`], the one
//! list of them. Nothing else in the simulator names a provider: a new one is its module here and
//! its line in [`SIMULATED`] (docs/adding-a-provider.md).

use std::any::Any;

use serde_json::Value;

use crate::server::{Request, Response};

pub mod coupontools;
pub mod eguma;
pub mod gonnaorder;
pub mod treazure;

/// Every simulated provider, in docs/api.md order; each is served under `/{id}` and holds the
/// `{id}` section of the fixtures.
pub const SIMULATED: &[Slot] = &[
    slot::<eguma::Eguma>(),
    slot::<treazure::Treazure>(),
    slot::<gonnaorder::GonnaOrder>(),
    slot::<coupontools::Coupontools>(),
];

/// A simulated provider, as its module writes it: an account loaded from its fixture section,
/// its state in that same format, and its wire (routes and answers).
pub trait Simulated: Any + Send + Sized {
    /// The provider's id (the library's), its path prefix and fixture section.
    const ID: &'static str;
    /// The operation names its requests count as, for statistics and fault rules (docs/simulator.md).
    const OPERATIONS: &'static [&'static str];
    /// The library's configuration entry of a client of its demo account (docs/simulator.md),
    /// JSON without `base_url` (the simulator adds its own).
    const DEMO_ENTRY: &'static str;
    /// Where its state lists the things a code names: (list, key of the code), e.g.
    /// `("cards", "card_id")`. Tests find a voucher's state through it.
    const ITEMS: &'static [(&'static str, &'static str)];
    /// A request it recognized, with what its answer needs from the path.
    type Route: Send + 'static;

    /// Loads its section of the fixtures (`{}` when the fixtures have none).
    fn from_fixture(section: &Value) -> Result<Self, String>;
    /// The account now, in the fixture format (plus what was done: redemptions, orders, ...).
    fn state(&self) -> Value;
    /// Recognizes a request under `/{ID}` (`path` is the rest). Unknown paths and wrong methods
    /// are answered at once, as the provider answers them.
    fn route(request: &Request, path: &str) -> Result<Self::Route, Response>;
    /// The operation a recognized request counts as (one of [`Simulated::OPERATIONS`]).
    fn operation(route: &Self::Route) -> &'static str;
    /// Answers a recognized request, changing the account.
    fn handle(&mut self, route: &Self::Route, request: &Request) -> Response;
}

/// A loaded provider, whichever it is.
pub trait Served: Any + Send {
    /// As [`Simulated::state`].
    fn state(&self) -> Value;
}

impl<S: Simulated> Served for S {
    fn state(&self) -> Value {
        Simulated::state(self)
    }
}

/// The processing of a recognized request, applied to the provider that recognized it (now, or
/// later for a late fault).
pub type Process = Box<dyn FnOnce(&mut dyn Served, &Request) -> Response + Send>;

/// A provider's entry in [`SIMULATED`].
pub struct Slot {
    /// As [`Simulated::ID`].
    pub id: &'static str,
    /// As [`Simulated::OPERATIONS`].
    pub operations: &'static [&'static str],
    /// As [`Simulated::DEMO_ENTRY`].
    pub demo_entry: &'static str,
    /// As [`Simulated::ITEMS`].
    pub items: &'static [(&'static str, &'static str)],
    /// Loads its fixture section.
    pub load: fn(&Value) -> Result<Box<dyn Served>, String>,
    /// Recognizes a request: its operation and processing.
    pub route: Recognize,
}

/// Recognizes a request under a provider's prefix (the rest of the path given): the operation it
/// counts as and its processing, or the provider's answer to a request it does not serve.
pub type Recognize = fn(&Request, &str) -> Result<(&'static str, Process), Response>;

const fn slot<S: Simulated>() -> Slot {
    Slot {
        id: S::ID,
        operations: S::OPERATIONS,
        demo_entry: S::DEMO_ENTRY,
        items: S::ITEMS,
        load: load::<S>,
        route: route::<S>,
    }
}

fn load<S: Simulated>(section: &Value) -> Result<Box<dyn Served>, String> {
    Ok(Box::new(S::from_fixture(section)?))
}

fn route<S: Simulated>(request: &Request, path: &str) -> Result<(&'static str, Process), Response> {
    let route = S::route(request, path)?;
    let operation = S::operation(&route);
    let process: Process = Box::new(move |served: &mut dyn Served, request: &Request| {
        let served: &mut dyn Any = served;
        served
            .downcast_mut::<S>()
            .expect("a route is processed by the provider that recognized it")
            .handle(&route, request)
    });
    Ok((operation, process))
}

/// The slot of the provider `id`.
pub fn lookup(id: &str) -> Option<(usize, &'static Slot)> {
    SIMULATED.iter().enumerate().find(|(_, slot)| slot.id == id)
}

impl Slot {
    /// The library's configuration entry of a client of the demo account, `base_url` not set.
    pub fn demo_entry(&self) -> Value {
        serde_json::from_str(self.demo_entry).expect("a slot's demo entry is JSON")
    }

    /// The thing `code` names in the provider's `state` section (a voucher, card, session), as
    /// the state shows it.
    pub fn item(&self, state: &Value, code: &str) -> Option<Value> {
        self.items.iter().find_map(|(list, key)| {
            state[*list].as_array()?.iter().find(|item| item[*key].as_str() == Some(code)).cloned()
        })
    }
}

/// Every provider id, in [`SIMULATED`] order.
pub fn ids() -> impl Iterator<Item = &'static str> {
    SIMULATED.iter().map(|slot| slot.id)
}
