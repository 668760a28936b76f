//! `; run:` lines: execute a function with the IR interpreter and compare.
//!
//! Grammar: `%name(ARGS) == RESULTS`, `%name(ARGS) == trap`, or
//! `%name(ARGS) == trap: TEXT` (the trap message must contain TEXT). ARGS
//! and RESULTS are comma-separated values in the interpreter's text form
//! (`5`, `-1`, `0x...` for v128, `1.5`, `nan:0x400000`, `null`). Float
//! results compare with NaN ≅ NaN.
//!
//! In a `test interpret` file, `call fnN` calls the N-th function of the
//! file (counting from 0), so helpers can be tested together.

use weft_ir::Function;
use weft_ir::interpreter::{Env, State, Trap, Val, run};
use weft_ir::{FuncRef, SigRef, TableRef};

/// Fuel for one run line: enough for any filetest, small enough to stop an
/// accidental infinite loop quickly.
pub const FUEL: u64 = 10_000_000;

/// Calls between the functions of one file.
pub struct FileEnv<'a> {
    funcs: &'a [Function],
    depth: usize,
}

impl<'a> FileEnv<'a> {
    /// An environment where `fnN` is `funcs[N]`.
    pub fn new(funcs: &'a [Function]) -> Self {
        FileEnv { funcs, depth: 0 }
    }
}

impl Env for FileEnv<'_> {
    fn call(&mut self, func: FuncRef, args: &[Val], state: &mut State) -> Result<Vec<Val>, Trap> {
        let callee = self
            .funcs
            .get(func.as_u32() as usize)
            .ok_or_else(|| Trap::Host(format!("{func} is not a function of this file")))?;
        if self.depth > 200 {
            return Err(Trap::StackOverflow);
        }
        self.depth += 1;
        let r = run(callee, args, state, self, FUEL);
        self.depth -= 1;
        r
    }

    fn call_indirect(
        &mut self,
        table: TableRef,
        index: u32,
        _sig: SigRef,
        _args: &[Val],
        _state: &mut State,
    ) -> Result<Vec<Val>, Trap> {
        Err(Trap::Host(format!("call_indirect through {table}[{index}] is not supported in filetests")))
    }
}

/// Runs one `; run:` directive (without the `run:` prefix) against the
/// function `func` of the file `funcs`.
pub fn check(funcs: &[Function], func: &Function, line: &str) -> Result<(), String> {
    let line = line.trim();
    let rest = line.strip_prefix('%').ok_or_else(|| format!("run line must start with %name: `{line}`"))?;
    let open = rest.find('(').ok_or_else(|| format!("missing `(` in `{line}`"))?;
    let name = &rest[..open];
    if name != func.name {
        return Err(format!("run line calls %{name} but belongs to %{}", func.name));
    }
    let close = rest.rfind(')').ok_or_else(|| format!("missing `)` in `{line}`"))?;
    let args_text = &rest[open + 1..close];
    let expect_text =
        rest[close + 1..].trim().strip_prefix("==").ok_or_else(|| format!("missing `==` in `{line}`"))?.trim();
    let args = Val::parse_list(args_text, &func.sig.params).map_err(|e| format!("bad arguments in `{line}`: {e}"))?;
    let mut state = State::for_function(func).map_err(|t| format!("cannot set up state: {t}"))?;
    let mut env = FileEnv::new(funcs);
    let got = run(func, &args, &mut state, &mut env, FUEL);
    if let Some(trap_text) = expect_text.strip_prefix("trap") {
        let want = trap_text.trim().strip_prefix(':').map(str::trim).unwrap_or("");
        return match got {
            Err(t) if t.to_string().contains(want) => Ok(()),
            Err(t) => Err(format!("`{line}`: trapped with `{t}`, expected a trap containing `{want}`")),
            Ok(vals) => Err(format!("`{line}`: returned {}, expected a trap", show(&vals))),
        };
    }
    let want = Val::parse_list(expect_text, &func.sig.results).map_err(|e| format!("bad results in `{line}`: {e}"))?;
    match got {
        Ok(vals) if vals.len() == want.len() && vals.iter().zip(&want).all(|(a, b)| a.nan_eq(b)) => Ok(()),
        Ok(vals) => Err(format!("`{line}`: returned {}", show(&vals))),
        Err(t) => Err(format!("`{line}`: trapped: {t}")),
    }
}

fn show(vals: &[Val]) -> String {
    vals.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}
