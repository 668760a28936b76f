//! Refinement checks written as text: `.ir` files whose comment lines
//! (`; name: ...`) say what a check may use besides the two functions. Read
//! by `weft check` and by `test refine` filetests.
//!
//! A file holds one or more functions; comment lines after a `function`
//! line (until the next one) belong to that function, comment lines before
//! the first function to the whole file. The directives:
//!
//! | directive | meaning |
//! |---|---|
//! | `; callee: fn3` | this function is the body of `fn3`: calls to `fn3` are modelled by it ([`Options::callees`]) |
//! | `; init-function` | this function runs at instantiation (for module invariants) |
//! | `; assume: v0 in {0, 2, 6}` | a precondition on a parameter of the source ([`Precondition::ParamIn`]) |
//! | `; assume: v0 in [1, 10]` (`signed` after it to compare signed) | [`Precondition::ParamRange`] |
//! | `; assume: gv1 in {1}` | the global holds one of the values at entry ([`Precondition::GlobalAtEntryIn`]) |
//! | `; init: gv0 = 5` | declared initial value of a global ([`InitialState`]) |
//! | `; init: mem0 pages = 1` | initial size of a memory (its other bytes are zero) |
//! | `; init: mem0[0x10] = 01 00 00 00` | initial bytes (hex) |
//! | `; init: table0 size = 4`, `; init: table0[0] = fn1 null` | initial table size and entries |
//! | `; init: data0 = 01 02`, `; init: elem0 = fn1 fn2` | segment contents |
//! | `; start: init` | the function starts from the declared initial state ([`Options::start_at_init`]) |
//! | `; nan: exact` | [`NanMode::Exact`] |
//! | `; grow: succeeds` | [`Options::assume_grow_succeeds`] |
//! | `; unroll: 8` | [`Options::unroll_bound`] |
//! | `; cut: src.block1 tgt.block4 steps=4 src-entry-passes=1 tgt-entry-passes=0` | a [`CutPair`] of the certificate's [`crate::Correspondence`] (the numbers are optional) |
//! | `; relate: src.block1 tgt.block4: FACT` | a fact of that pair's relation |
//! | `; fact: src.block1: FACT` | a [`HeaderFact`] (values without a side are the named side's) |
//! | `; module-invariant: FACT` | a [`ModuleInvariant`] fact, proved over the source, its callees and the initialization functions, then assumed |
//!
//! A FACT is `TERM == TERM` (bitwise equality) or one `i32` TERM (non-zero).
//! A TERM is `src.v3` or `tgt.v3` (or `v3` where a side is implied), `gv0`
//! (a global's current value), `(memory.size mem0)`, `(table.size table0)`,
//! `(i32.load mem0 TERM)` (also `i32.load8_u`, `i32.load16_u`,
//! `i64.load`, `i64.load8_u`, `i64.load16_u`, `i64.load32_u`), a constant
//! `(i32.const -5)` / `(i64.const 0x10)`, `(entry TERM)` (the state at the
//! function's entry), or `(OPCODE TERM...)` for a pure opcode without
//! immediates (`(i32.lt_u src.v2 src.v9)`).

use weft_ir::{
    Block, DataRef, ElemRef, EntityRef, FuncRef, Function, GlobalRef, MemoryRef, Opcode, TableRef, Type, Value,
};

use crate::cert::{CutPair, Fact, HeaderFact, ModuleInvariant, Side, Term};
use crate::options::{InitialState, NanMode, Options, Precondition};

/// A function of a check file and its comment lines (without the `;`).
#[derive(Clone, Debug)]
pub struct FileFunction {
    /// The function.
    pub func: Function,
    /// Comment lines after its `function` line, up to the next function.
    pub comments: Vec<String>,
    /// 1-based line of its `function` line.
    pub line: usize,
}

impl FileFunction {
    /// The function this one is the body of (`; callee: fnN`), if any.
    pub fn callee_of(&self) -> Result<Option<FuncRef>, String> {
        for c in &self.comments {
            if let Some(rest) = directive(c, "callee") {
                return entity::<FuncRef>(rest.trim(), "fn").map(Some);
            }
        }
        Ok(None)
    }

    /// Is it marked `; init-function`?
    pub fn is_init_function(&self) -> bool {
        self.comments.iter().any(|c| c.trim() == "init-function")
    }

    /// Is it a helper (a callee or an initialization function), not a
    /// function under check?
    pub fn is_helper(&self) -> Result<bool, String> {
        Ok(self.callee_of()?.is_some() || self.is_init_function())
    }
}

/// The functions of a check file and its header comment lines.
#[derive(Clone, Debug, Default)]
pub struct CheckFile {
    /// Comment lines before the first function.
    pub header: Vec<String>,
    /// The functions, in order.
    pub functions: Vec<FileFunction>,
}

/// Reads a check file (see the module docs). Lines whose first word is
/// `test` (a filetest header) are skipped.
pub fn read_check_file(text: &str) -> Result<CheckFile, String> {
    let mut body = String::with_capacity(text.len());
    let mut file = CheckFile::default();
    let mut lines_of: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let (code, comment) = match comment_start(raw) {
            Some(p) => (&raw[..p], Some(raw[p + 1..].to_string())),
            None => (raw, None),
        };
        let code = code.trim_end();
        if code.trim_start().starts_with("test ") && lines_of.is_empty() {
            body.push('\n');
            continue;
        }
        if code.starts_with("function ") {
            lines_of.push((i + 1, Vec::new()));
        }
        if let Some(c) = comment {
            match lines_of.last_mut() {
                Some((_, v)) => v.push(c),
                None => file.header.push(c),
            }
        }
        body.push_str(raw);
        body.push('\n');
    }
    let funcs = weft_ir::parse_functions(&body).map_err(|e| format!("parse error at {e}"))?;
    if funcs.len() != lines_of.len() {
        return Err(format!("found {} `function` lines but parsed {} functions", lines_of.len(), funcs.len()));
    }
    file.functions =
        funcs.into_iter().zip(lines_of).map(|(func, (line, comments))| FileFunction { func, comments, line }).collect();
    Ok(file)
}

/// The byte index of the `;` that starts a comment on `line`, ignoring `;`
/// inside double-quoted strings (function names, import names).
pub fn comment_start(line: &str) -> Option<usize> {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            ';' if !in_str => return Some(i),
            _ => {}
        }
    }
    None
}

/// The text after `; name:` on a comment line.
fn directive<'l>(comment: &'l str, name: &str) -> Option<&'l str> {
    comment.trim().strip_prefix(name)?.strip_prefix(':')
}

/// A refinement check read from text: the functions and the options their
/// directives give.
#[derive(Clone, Debug)]
pub struct TextCheck {
    /// The function before.
    pub src: Function,
    /// The function after.
    pub tgt: Function,
    /// The options (`base`, with the directives applied).
    pub options: Options,
    /// Module invariants the directives state, proved over the module the
    /// files describe before the check may assume them (see
    /// [`TextCheck::prove_invariants`]).
    pub invariants: Vec<ModuleInvariant>,
    /// The source, its callees and the initialization functions, for
    /// proving the invariants.
    pub module: Vec<FileFunction>,
}

impl TextCheck {
    /// Builds the check of `tgt` against `src`. `lines` are the directive
    /// lines that apply (the files' headers, the comments of the source and
    /// of the target); `helpers` the other functions of the files (callees
    /// and initialization functions). Unknown directives (`expect:`,
    /// `check:`, ...) are left alone.
    pub fn build(
        src: &FileFunction,
        tgt: &FileFunction,
        lines: &[String],
        helpers: &[FileFunction],
        base: Options,
    ) -> Result<TextCheck, String> {
        let mut options = base;
        let mut invariants = Vec::new();
        for h in helpers {
            if let Some(f) = h.callee_of()?
                && options.callees.insert(f, h.func.clone()).is_some()
            {
                return Err(format!("two bodies are given for {f}"));
            }
        }
        let mut pairs: Vec<CutPair> = Vec::new();
        for line in lines {
            apply(line, &src.func, &mut options, &mut pairs, &mut invariants).map_err(|e| format!("`;{line}`: {e}"))?;
        }
        if !pairs.is_empty() {
            options.certificate.correspondence = Some(crate::cert::Correspondence { pairs });
        }
        let mut module = vec![src.clone()];
        module.extend(helpers.iter().cloned());
        Ok(TextCheck { src: src.func.clone(), tgt: tgt.func.clone(), options, invariants, module })
    }

    /// Proves the module invariants the directives state (over the source,
    /// the callees and the initialization functions) and adds the proved
    /// ones to the certificate. `Err` with the prover's report when one does
    /// not hold or is not decided.
    pub fn prove_invariants(&mut self) -> Result<(), Box<crate::InvariantReport>> {
        let init: Vec<&Function> = self.module.iter().filter(|f| f.is_init_function()).map(|f| &f.func).collect();
        let funcs: Vec<&Function> = self.module.iter().filter(|f| !f.is_init_function()).map(|f| &f.func).collect();
        for inv in std::mem::take(&mut self.invariants) {
            let r = crate::prove_module_invariant(&init, &funcs, &inv, &self.options);
            match r.proved.clone() {
                Some(p) => self.options.certificate.module_invariants.push(p),
                None => return Err(Box::new(r)),
            }
        }
        Ok(())
    }
}

/// Applies one comment line; lines that are not check directives are
/// ignored.
fn apply(
    line: &str,
    src: &Function,
    opts: &mut Options,
    pairs: &mut Vec<CutPair>,
    invariants: &mut Vec<ModuleInvariant>,
) -> Result<(), String> {
    if let Some(rest) = directive(line, "assume") {
        opts.preconditions.push(parse_assume(rest.trim(), src)?);
    } else if let Some(rest) = directive(line, "init") {
        parse_init(rest.trim(), &mut opts.init)?;
    } else if let Some(rest) = directive(line, "start") {
        match rest.trim() {
            "init" => opts.start_at_init = true,
            other => return Err(format!("unknown start `{other}` (only `init`)")),
        }
    } else if let Some(rest) = directive(line, "nan") {
        opts.nan = match rest.trim() {
            "exact" => NanMode::Exact,
            "permissive" => NanMode::Permissive,
            other => return Err(format!("unknown NaN mode `{other}`")),
        };
    } else if let Some(rest) = directive(line, "grow") {
        match rest.trim() {
            "succeeds" => opts.assume_grow_succeeds = true,
            "may-fail" => opts.assume_grow_succeeds = false,
            other => return Err(format!("unknown grow model `{other}`")),
        }
    } else if let Some(rest) = directive(line, "unroll") {
        opts.unroll_bound = rest.trim().parse().map_err(|_| format!("bad bound `{}`", rest.trim()))?;
    } else if let Some(rest) = directive(line, "cut") {
        let mut words = rest.split_whitespace();
        let (sb, tb) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let (Side::Src, s) = side_block(sb)? else { return Err(format!("expected `src.blockN`, found `{sb}`")) };
        let (Side::Tgt, t) = side_block(tb)? else { return Err(format!("expected `tgt.blockN`, found `{tb}`")) };
        let mut pair = CutPair::new(s, t, Vec::new());
        for w in words {
            let (k, v) = w.split_once('=').ok_or_else(|| format!("expected `name=N`, found `{w}`"))?;
            let n: u32 = v.parse().map_err(|_| format!("bad number in `{w}`"))?;
            match k {
                "steps" => pair.src_steps = n,
                "src-entry-passes" => pair.src_entry_passes = n,
                "tgt-entry-passes" => pair.tgt_entry_passes = n,
                other => return Err(format!("unknown cut setting `{other}`")),
            }
        }
        pairs.push(pair);
    } else if let Some(rest) = directive(line, "relate") {
        let (head, fact) = rest.split_once(": ").ok_or("expected `src.blockN tgt.blockM: FACT`")?;
        let mut words = head.split_whitespace();
        let (sb, tb) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        let ((Side::Src, s), (Side::Tgt, t)) = (side_block(sb)?, side_block(tb)?) else {
            return Err("expected `src.blockN tgt.blockM`".into());
        };
        let fact = parse_fact(fact, None)?;
        let pair = pairs
            .iter_mut()
            .find(|p| p.src == s && p.tgt == t)
            .ok_or_else(|| format!("no `; cut: src.{s} tgt.{t}` before this line"))?;
        pair.facts.push(fact);
    } else if let Some(rest) = directive(line, "fact") {
        let (head, fact) = rest.split_once(": ").ok_or("expected `src.blockN: FACT`")?;
        let (side, block) = side_block(head.trim())?;
        let fact = parse_fact(fact, Some(side))?;
        opts.certificate.header_facts.push(HeaderFact { side, block, fact });
    } else if let Some(rest) = directive(line, "module-invariant") {
        let fact = parse_fact(rest, None)?;
        match invariants.last_mut() {
            Some(inv) => inv.facts.push(fact),
            None => invariants.push(ModuleInvariant { facts: vec![fact] }),
        }
    }
    Ok(())
}

fn entity<E: EntityRef>(s: &str, prefix: &str) -> Result<E, String> {
    s.strip_prefix(prefix)
        .and_then(|n| n.parse::<u32>().ok())
        .map(|n| E::new(n as usize))
        .ok_or_else(|| format!("expected `{prefix}N`, found `{s}`"))
}

fn side_block(s: &str) -> Result<(Side, Block), String> {
    let (side, b) = s.split_once('.').ok_or_else(|| format!("expected `src.blockN` or `tgt.blockN`, found `{s}`"))?;
    let side = match side {
        "src" => Side::Src,
        "tgt" => Side::Tgt,
        other => return Err(format!("unknown side `{other}` (src or tgt)")),
    };
    Ok((side, entity::<Block>(b, "block")?))
}

fn parse_int(s: &str) -> Result<i128, String> {
    let s = s.trim();
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s),
    };
    let v = match body.strip_prefix("0x") {
        Some(h) => i128::from_str_radix(h, 16),
        None => body.parse::<i128>(),
    }
    .map_err(|_| format!("bad number `{s}`"))?;
    Ok(if neg { -v } else { v })
}

fn parse_assume(s: &str, src: &Function) -> Result<Precondition, String> {
    let (name, set) = s.split_once(" in ").ok_or("expected `vN in {..}` or `vN in [lo, hi]`")?;
    let name = name.trim();
    let set = set.trim();
    let values =
        |body: &str| -> Result<Vec<i64>, String> { body.split(',').map(|x| parse_int(x).map(|v| v as i64)).collect() };
    if let Some(g) = name.strip_prefix("gv") {
        let global = GlobalRef::new(g.parse::<usize>().map_err(|_| format!("bad global `{name}`"))?);
        let body = set.strip_prefix('{').and_then(|b| b.strip_suffix('}')).ok_or("a global takes a set `{..}`")?;
        return Ok(Precondition::GlobalAtEntryIn { global, values: values(body)? });
    }
    let v = entity::<Value>(name, "v")?;
    let entry = src.entry_block().ok_or("the source has no blocks")?;
    let param = src
        .dfg
        .block_params(entry)
        .iter()
        .position(|p| *p == v)
        .ok_or_else(|| format!("{name} is not a parameter of the source"))?;
    if let Some(body) = set.strip_prefix('{').and_then(|b| b.strip_suffix('}')) {
        return Ok(Precondition::ParamIn { param, values: values(body)? });
    }
    let (range, signed) = match set.strip_suffix("signed") {
        Some(r) => (r.trim(), true),
        None => (set, false),
    };
    let body = range.strip_prefix('[').and_then(|b| b.strip_suffix(']')).ok_or("expected `{..}` or `[lo, hi]`")?;
    let v = values(body)?;
    let [min, max] = v.as_slice() else { return Err("a range has two bounds".into()) };
    Ok(Precondition::ParamRange { param, min: *min, max: *max, signed })
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    s.split_whitespace().map(|b| u8::from_str_radix(b, 16).map_err(|_| format!("bad byte `{b}`"))).collect()
}

fn handles(s: &str) -> Result<Vec<u32>, String> {
    s.split_whitespace()
        .map(|h| if h == "null" { Ok(0) } else { entity::<FuncRef>(h, "fn").map(|f| f.as_u32() + 1) })
        .collect()
}

fn parse_init(s: &str, init: &mut InitialState) -> Result<(), String> {
    let (lhs, rhs) = s.split_once('=').ok_or("expected `NAME = VALUE`")?;
    let (lhs, rhs) = (lhs.trim(), rhs.trim());
    if lhs.starts_with("gv") {
        let g = entity::<GlobalRef>(lhs, "gv")?;
        init.globals.insert(g, parse_int(rhs)? as u128);
    } else if let Some(m) = lhs.strip_suffix(" pages") {
        init.memory_pages.insert(entity::<MemoryRef>(m.trim(), "mem")?, parse_int(rhs)? as u32);
    } else if let Some(t) = lhs.strip_suffix(" size") {
        init.table_sizes.insert(entity::<TableRef>(t.trim(), "table")?, parse_int(rhs)? as u32);
    } else if let Some((name, at)) = lhs.split_once('[') {
        let at = parse_int(at.strip_suffix(']').ok_or("expected `NAME[ADDR]`")?)? as u32;
        if name.starts_with("mem") {
            init.memory_bytes.push((entity::<MemoryRef>(name, "mem")?, at, hex_bytes(rhs)?));
        } else {
            init.table_elems.push((entity::<TableRef>(name, "table")?, at, handles(rhs)?));
        }
    } else if lhs.starts_with("data") {
        init.datas.insert(entity::<DataRef>(lhs, "data")?, hex_bytes(rhs)?);
    } else if lhs.starts_with("elem") {
        init.elems.insert(entity::<ElemRef>(lhs, "elem")?, handles(rhs)?);
    } else {
        return Err(format!("unknown initial value `{lhs}`"));
    }
    Ok(())
}

/// Parses a fact: `TERM == TERM` or one term (see the module docs).
/// `side` is the side of values written without one.
pub fn parse_fact(s: &str, side: Option<Side>) -> Result<Fact, String> {
    let toks = tokens(s);
    let mut pos = 0;
    let a = term(&toks, &mut pos, side)?;
    if pos == toks.len() {
        return Ok(Fact::Holds(a));
    }
    if toks[pos] != "==" {
        return Err(format!("expected `==` or the end, found `{}`", toks[pos]));
    }
    pos += 1;
    let b = term(&toks, &mut pos, side)?;
    if pos != toks.len() {
        return Err(format!("unexpected `{}` after the fact", toks[pos]));
    }
    Ok(Fact::Equal(a, b))
}

/// Parses a term (see the module docs).
pub fn parse_term(s: &str, side: Option<Side>) -> Result<Term, String> {
    let toks = tokens(s);
    let mut pos = 0;
    let t = term(&toks, &mut pos, side)?;
    if pos != toks.len() {
        return Err(format!("unexpected `{}` after the term", toks[pos]));
    }
    Ok(t)
}

fn tokens(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' | ')' => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                out.push(c.to_string());
            }
            c if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn term(toks: &[String], pos: &mut usize, side: Option<Side>) -> Result<Term, String> {
    let tok = toks.get(*pos).ok_or("expected a term, found the end")?.clone();
    *pos += 1;
    if tok != "(" {
        return atom(&tok, side);
    }
    let head = toks.get(*pos).ok_or("expected an operation after `(`")?.clone();
    *pos += 1;
    let mut args = Vec::new();
    let mut words = Vec::new();
    while toks.get(*pos).map(String::as_str) != Some(")") {
        let t = toks.get(*pos).ok_or_else(|| format!("`({head}` is not closed"))?;
        // Plain words (entity names, numbers) for the forms that take them.
        if matches!(head.as_str(), "memory.size" | "table.size" | "table.get" | "ref.func" | "i32.const" | "i64.const")
            || (head.contains(".load") && words.is_empty())
        {
            words.push(t.clone());
            *pos += 1;
            continue;
        }
        args.push(term(toks, pos, side)?);
    }
    *pos += 1;
    let one_word = || -> Result<&String, String> {
        match words.as_slice() {
            [w] if args.is_empty() => Ok(w),
            _ => Err(format!("`({head} ...)` takes one name or number")),
        }
    };
    match head.as_str() {
        "i32.const" => Ok(Term::Const(Type::I32, u128::from(parse_int(one_word()?)? as u32))),
        "i64.const" => Ok(Term::Const(Type::I64, u128::from(parse_int(one_word()?)? as u64))),
        "memory.size" => Ok(Term::MemorySize(entity(one_word()?, "mem")?)),
        "table.size" => Ok(Term::TableSize(entity(one_word()?, "table")?)),
        "table.get" => match (words.as_slice(), args.is_empty()) {
            ([t, i], true) => {
                let index = u32::try_from(parse_int(i)?).map_err(|_| format!("`{i}` is not a table slot"))?;
                Ok(Term::TableElem(entity(t, "table")?, index))
            }
            _ => Err("`(table.get TABLE N)` takes a table and a slot number".into()),
        },
        "ref.func" => Ok(Term::Handle(Some(entity(one_word()?, "fn")?))),
        "ref.null" if words.is_empty() && args.is_empty() => Ok(Term::Handle(None)),
        "entry" => match args.as_slice() {
            [t] => Ok(Term::AtEntry(Box::new(t.clone()))),
            _ => Err("`(entry TERM)` takes one term".into()),
        },
        h if h.contains(".load") => {
            let (ty, bytes) = match h {
                "i32.load" => (Type::I32, 4),
                "i32.load8_u" => (Type::I32, 1),
                "i32.load16_u" => (Type::I32, 2),
                "i64.load" => (Type::I64, 8),
                "i64.load8_u" => (Type::I64, 1),
                "i64.load16_u" => (Type::I64, 2),
                "i64.load32_u" => (Type::I64, 4),
                other => return Err(format!("`{other}` is not a load a term may use")),
            };
            let ([m], [addr]) = (words.as_slice(), args.as_slice()) else {
                return Err(format!("`({h} MEM ADDR)` takes a memory and an address"));
            };
            Ok(Term::Load { ty, mem: entity(m, "mem")?, addr: Box::new(addr.clone()), bytes })
        }
        name => {
            let op = Opcode::from_name(name).ok_or_else(|| format!("unknown operation `{name}`"))?;
            Ok(Term::Op(op, args))
        }
    }
}

fn atom(tok: &str, side: Option<Side>) -> Result<Term, String> {
    if let Some((s, v)) = tok.split_once('.') {
        let side = match s {
            "src" => Side::Src,
            "tgt" => Side::Tgt,
            other => return Err(format!("unknown side `{other}` in `{tok}`")),
        };
        return Ok(Term::Value(side, entity(v, "v")?));
    }
    if tok.starts_with("gv") {
        return Ok(Term::Global(entity(tok, "gv")?));
    }
    if tok.starts_with('v') {
        let side = side.ok_or_else(|| format!("`{tok}` needs a side here (`src.{tok}` or `tgt.{tok}`)"))?;
        return Ok(Term::Value(side, entity(tok, "v")?));
    }
    Err(format!("unknown term `{tok}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facts_print_as_they_parse() {
        for s in [
            "src.v2 == tgt.v2",
            "(i32.lt_u src.v2 src.v9)",
            "tgt.v7 == (i32.add src.v0 (i32.shl src.v2 (i32.const 2)))",
            "gv0 == (i32.const 1)",
            "(i32.load mem0 (i32.const 16)) == (i32.const -1)",
            "(memory.size mem0) == (entry (memory.size mem0))",
            "(i64.load32_u mem1 src.v3) == (i64.const 7)",
        ] {
            let f = parse_fact(s, None).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(f.to_string(), s);
        }
        assert_eq!(
            parse_fact("(i32.lt_u v2 v9)", Some(Side::Tgt)).map(|f| f.to_string()),
            Ok("(i32.lt_u tgt.v2 tgt.v9)".into())
        );
        assert!(parse_fact("(i32.lt_u v2 v9)", None).is_err());
        assert!(parse_fact("(i32.frobnicate src.v1)", None).is_err());
        assert!(parse_fact("(i32.add src.v1", None).is_err());
    }

    #[test]
    fn init_directives_fill_the_initial_state() {
        let mut init = InitialState::default();
        for line in [
            "gv0 = 5",
            "mem0 pages = 1",
            "mem0[0x10] = 01 ff",
            "table0 size = 2",
            "table0[1] = fn3 null",
            "data1 = aa bb",
            "elem0 = fn1",
        ] {
            parse_init(line, &mut init).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        assert_eq!(init.globals[&GlobalRef::new(0)], 5);
        assert_eq!(init.memory_pages[&MemoryRef::new(0)], 1);
        assert_eq!(init.memory_bytes, vec![(MemoryRef::new(0), 16, vec![1, 0xff])]);
        assert_eq!(init.table_elems, vec![(TableRef::new(0), 1, vec![4, 0])]);
        assert_eq!(init.datas[&DataRef::new(1)], vec![0xaa, 0xbb]);
        assert_eq!(init.elems[&ElemRef::new(0)], vec![2]);
    }
}
