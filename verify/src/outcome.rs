//! What a check returns: [`Outcome`] (the verdict), [`Counterexample`]
//! (inputs, the failing query and both values), and [`Report`] (the verdict
//! plus how it was reached: method, assumptions, per-query timings).

use core::fmt;

/// The verdict of a refinement check of `tgt ⊑ src`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The target refines the source for all inputs and all loop iterations.
    Proved,
    /// The target refines the source for all runs in which no loop header
    /// executes more than this many times.
    ProvedBounded(u32),
    /// An input on which the target shows behaviour the source cannot.
    Counterexample(Counterexample),
    /// The checker could not decide (timeout, spent budget, size limit,
    /// malformed input); the string says why.
    Unknown(String),
}

impl Outcome {
    /// Is this [`Outcome::Proved`]?
    pub fn is_proved(&self) -> bool {
        matches!(self, Outcome::Proved)
    }
    /// Is this [`Outcome::Counterexample`]?
    pub fn is_counterexample(&self) -> bool {
        matches!(self, Outcome::Counterexample(_))
    }
    /// The counterexample, if any.
    pub fn counterexample(&self) -> Option<&Counterexample> {
        match self {
            Outcome::Counterexample(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Proved => f.write_str("proved"),
            Outcome::ProvedBounded(k) => write!(f, "proved up to {k} executions of each loop header"),
            Outcome::Counterexample(c) => write!(f, "{c}"),
            Outcome::Unknown(why) => write!(f, "unknown: {why}"),
        }
    }
}

/// An input on which source and target differ, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The failing query: `return value 0`, `event 1 argument 0`,
    /// `memory mem0 at 0x10`, `trap`, `global gv2`, `event count`, ...
    pub query: String,
    /// The inputs, by IR name: parameters (`v0`), globals at entry (`gv2`),
    /// memory sizes and the bytes the functions touch (`mem0[0x10..0x14]`),
    /// and what calls returned (`event 0 result 0`).
    pub inputs: Vec<(String, String)>,
    /// What the source shows for the query.
    pub source: String,
    /// What the target shows for the query.
    pub target: String,
    /// Preconditions the check assumed.
    pub assumptions: Vec<String>,
    /// Set when found while unrolling loops to this bound.
    pub bound: Option<u32>,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "counterexample: `{}` differs", self.query)?;
        for (name, value) in &self.inputs {
            writeln!(f, "  {name} = {value}")?;
        }
        writeln!(f, "  source: {}", self.source)?;
        write!(f, "  target: {}", self.target)?;
        for a in &self.assumptions {
            write!(f, "\n  assuming {a}")?;
        }
        if let Some(k) = self.bound {
            write!(f, "\n  (found with loops unrolled to {k} header executions)")?;
        }
        Ok(())
    }
}

/// How the verdict was reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// Neither function has a loop: every path was encoded exactly.
    LoopFree,
    /// Loops cut at corresponding headers; each loop-free segment proved
    /// from equal states (an unbounded proof by induction on iterations).
    Inductive {
        /// Number of corresponding loop headers.
        loops: usize,
    },
    /// Loops cut at corresponding cut points (found by the checker or given
    /// by a certificate) related by facts proved inductive, each loop-free
    /// segment proved from related states: an unbounded proof.
    Relational {
        /// Number of cut pairs.
        pairs: usize,
        /// Number of relation facts over all pairs.
        facts: usize,
        /// Where the pairs and facts came from.
        how: String,
    },
    /// Loops unrolled to `bound` executions of each header.
    Unrolled {
        /// The bound.
        bound: u32,
        /// Why the inductive proof was not used.
        reason: String,
    },
    /// The check stopped before choosing (malformed input, encoding gap).
    None,
}

/// Time and result of one solver query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryStat {
    /// The query name (`all observations`, `event 0`, `return values`, ...),
    /// prefixed by the segment (`entry`, `loop 1`, `unrolled`).
    pub name: String,
    /// Wall-clock milliseconds.
    pub millis: u128,
    /// `unsat`, `sat` or `unknown`.
    pub result: String,
}

/// What settling symbolic event counters at calls cost in one check (the
/// counter pinning of the crate's exploration; its queries are not in
/// [`Report::queries`]).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct PinStats {
    /// Questions asked (calls reached with a count of more than one value).
    pub questions: u64,
    /// Of those, how many were answered from memory without the solver
    /// (the same path condition and count met again).
    pub remembered: u64,
    /// Of those asked of the solver, how many it left undecided within the
    /// pinner's resource limit (the count stays symbolic).
    pub undecided: u64,
    /// Questions not asked at all because earlier ones of the same check
    /// were undecided (the count stays symbolic).
    pub skipped: u64,
    /// Wall-clock microseconds spent answering.
    pub micros: u128,
}

/// The verdict and how it was reached.
#[derive(Clone, Debug)]
pub struct Report {
    /// The verdict.
    pub outcome: Outcome,
    /// How it was reached.
    pub method: Method,
    /// The preconditions assumed, in words (`param v0 ∈ {0, 2, 6}`).
    pub assumptions: Vec<String>,
    /// Every solver query, in order.
    pub queries: Vec<QueryStat>,
    /// Counter pinning during exploration.
    pub pinning: PinStats,
    /// Total wall-clock milliseconds.
    pub millis: u128,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.outcome)?;
        match &self.method {
            Method::LoopFree => writeln!(f, "method: loop-free, every path encoded")?,
            Method::Inductive { loops } => writeln!(f, "method: induction over {loops} corresponding loop headers")?,
            Method::Relational { pairs, facts, how } => {
                writeln!(f, "method: induction over {pairs} cut pairs related by {facts} proved facts ({how})")?;
            }
            Method::Unrolled { bound, reason } => {
                writeln!(f, "method: loops unrolled to {bound} header executions ({reason})")?;
            }
            Method::None => {}
        }
        for a in &self.assumptions {
            writeln!(f, "assuming {a}")?;
        }
        write!(f, "{} queries in {} ms", self.queries.len(), self.millis)
    }
}
