//! The text format parser: reads exactly what [`crate::write`] prints, so
//! `print(parse(s)) == s` for every printed function.
//!
//! This module owns the grammar of the text IR (documented in `docs/ir.md`)
//! and the translation of text into a [`Function`]. It does not check that the
//! function is well formed (dominance, operand types, terminators): that is
//! the verifier's job, so a use may come before its definition in text order.
//!
//! Parsing is two-phase:
//!
//! 1. **Syntax.** A hand-written scanner reads the text into a small AST. How
//!    an instruction's immediate and operands are read is driven by the
//!    opcode table ([`Opcode::from_name`], [`Opcode::imm_kind`],
//!    [`Opcode::is_call`], [`Opcode::is_branch`]), never by a list of
//!    opcodes, so a new row of the table parses without changes here.
//! 2. **Semantics.** Entity numbers from the text are kept: `v7` stays `v7`
//!    and `block3` stays `block3`. The DFG gets every block and value up to
//!    the highest number used (numbers the text skips stay detached values
//!    or blocks outside the layout). Result types are not written in the
//!    text; they come from [`DataFlowGraph::result_types`]. Because a value
//!    may be used before it is defined (in a loop, say) and a few opcodes'
//!    result types depend on operand types (`select`), results are typed by
//!    a fixpoint: an instruction is resolved once its operands' types are
//!    known, or once its result types are shown not to depend on the
//!    operands that are still unknown.
//!
//! Comments run from `;` to the end of the line and may appear anywhere
//! outside a string. A file holds any number of functions.
//!
//! The parser never panics; every error is a [`ParseError`] with a 1-based
//! line and column (counted in characters).

use crate::dfg::DataFlowGraph;
use crate::entities::{Block, DataRef, ElemRef, FuncRef, GlobalRef, Inst, MemoryRef, SigRef, TableRef, Value};
use crate::function::{Decls, FuncDecl, Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
use crate::immediates::{Ieee32, Ieee64, Imm, ImmKind, MemArg, V128Imm};
use crate::opcodes::Opcode;
use crate::types::Type;
use cranelift_entity::EntityRef;

/// Block and value numbers in the text must be below this bound: the parser
/// creates every block and value up to the highest number used, so the bound
/// keeps a typo like `v4000000000` from allocating gigabytes.
pub const MAX_LOCAL_ENTITY: u32 = 1 << 24;

/// A syntax or typing error in the text format, with the 1-based line and
/// column (in characters) where it was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{col}: {message}")]
pub struct ParseError {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses every function in `text` (zero or more), in order.
pub fn parse_functions(text: &str) -> Result<Vec<Function>, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    let mut funcs = Vec::new();
    loop {
        parser.skip_blank_lines();
        if parser.peek().is_none() {
            return Ok(funcs);
        }
        let ast = parser.function().map_err(|f| f.into_error(text))?;
        funcs.push(build_function(ast).map_err(|f| f.into_error(text))?);
    }
}

/// Parses a text that holds exactly one function.
pub fn parse_function(text: &str) -> Result<Function, ParseError> {
    let mut parser = Parser { text, pos: 0 };
    parser.skip_blank_lines();
    if parser.peek().is_none() {
        return Err(Failure::at(parser.pos, "expected a function, found end of file".to_string()).into_error(text));
    }
    let ast = parser.function().map_err(|f| f.into_error(text))?;
    parser.skip_blank_lines();
    if parser.peek().is_some() {
        let msg = format!("expected end of file after the function, found {}", parser.found());
        return Err(Failure::at(parser.pos, msg).into_error(text));
    }
    build_function(ast).map_err(|f| f.into_error(text))
}

// ------------------------------------------------------------------ errors

/// An error at a byte offset; turned into line:col once, at the top.
struct Failure {
    pos: usize,
    message: String,
}

impl Failure {
    fn at(pos: usize, message: String) -> Self {
        Failure { pos, message }
    }

    fn into_error(self, text: &str) -> ParseError {
        let pos = self.pos.min(text.len());
        // Offsets always sit on character boundaries; be safe anyway.
        let before = text.get(..pos).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() + 1;
        ParseError { line, col, message: self.message }
    }
}

type PResult<T> = Result<T, Failure>;

// --------------------------------------------------------------------- AST

/// A value number and where it appears.
#[derive(Copy, Clone)]
struct ValRef {
    num: u32,
    pos: usize,
}

struct BlockCallAst {
    block: u32,
    args: Vec<ValRef>,
}

enum InstBody {
    Op { opcode: Opcode, imm: Imm, args: Vec<ValRef> },
    Jump(BlockCallAst),
    Brif { cond: ValRef, then_dest: BlockCallAst, else_dest: BlockCallAst },
    BrTable { index: ValRef, default: BlockCallAst, targets: Vec<BlockCallAst> },
}

struct InstAst {
    /// Start of the line (the first result, or the opcode).
    pos: usize,
    /// Where the immediate starts (the opcode when there is none).
    imm_pos: usize,
    opcode: Opcode,
    results: Vec<ValRef>,
    body: InstBody,
}

struct BlockAst {
    num: u32,
    pos: usize,
    params: Vec<(ValRef, Type)>,
    insts: Vec<InstAst>,
}

struct FuncAst {
    name: String,
    sig: Signature,
    decls: Decls,
    blocks: Vec<BlockAst>,
}

// ----------------------------------------------------------------- scanner

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.')
}

fn is_atom_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-' | ':')
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$' | '-')
}

/// Splits `block12` into (`block`, `12`): letters, then at least one digit
/// and nothing else.
fn split_entity(word: &str) -> Option<(&str, &str)> {
    let digits_at = word.find(|c: char| c.is_ascii_digit())?;
    let (prefix, digits) = word.split_at(digits_at);
    let ok = !prefix.is_empty()
        && prefix.chars().all(|c| c.is_ascii_alphabetic())
        && digits.chars().all(|c| c.is_ascii_digit());
    ok.then_some((prefix, digits))
}

/// Parses a decimal or `0x` hexadecimal magnitude (digits only, no sign).
fn parse_magnitude(s: &str) -> Option<u128> {
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None => (s, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u128::from_str_radix(digits, radix).ok()
}

/// Parses a possibly negative integer that fits in `bits` bits, either as a
/// signed or as an unsigned number (`-1` and `4294967295` are the same i32).
fn parse_int(s: &str, bits: u32) -> Option<i128> {
    let (neg, mag) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mag = parse_magnitude(mag)?;
    let umax = (1u128 << bits) - 1;
    let smin = 1u128 << (bits - 1);
    if neg { (mag <= smin).then(|| -(mag as i128)) } else { (mag <= umax).then_some(mag as i128) }
}

fn parse_uint(s: &str, max: u128) -> Option<u128> {
    parse_magnitude(s).filter(|&x| x <= max)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn fail<T>(&self, message: String) -> PResult<T> {
        Err(Failure::at(self.pos, message))
    }

    /// Skips spaces, tabs, carriage returns and a comment, but not a newline.
    fn skip_spaces(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => {
                    self.bump();
                }
                ';' => {
                    let rest = &self.text[self.pos..];
                    self.pos += rest.find('\n').unwrap_or(rest.len());
                }
                _ => break,
            }
        }
    }

    /// Skips empty and comment-only lines.
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_spaces();
            if self.peek() == Some('\n') {
                self.bump();
            } else {
                break;
            }
        }
    }

    /// Describes what is at the current position, for "found ..." messages.
    fn found(&self) -> String {
        let rest = &self.text[self.pos..];
        match rest.chars().next() {
            None => "end of file".to_string(),
            Some('\n') => "end of line".to_string(),
            Some(c) if is_atom_char(c) && c != ':' => {
                let end = rest.find(|c: char| !is_atom_char(c) || c == ':').unwrap_or(rest.len());
                format!("`{}`", &rest[..end])
            }
            Some(c) => format!("`{c}`"),
        }
    }

    /// Skips spaces and consumes `c` if it is next.
    fn eat(&mut self, c: char) -> bool {
        self.skip_spaces();
        if self.peek() == Some(c) {
            self.bump();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: char) -> PResult<()> {
        if self.eat(c) { Ok(()) } else { self.fail(format!("expected `{c}`, found {}", self.found())) }
    }

    /// Skips spaces; is the line over (newline, comment or end of file)?
    fn at_eol(&mut self) -> bool {
        self.skip_spaces();
        matches!(self.peek(), None | Some('\n'))
    }

    fn expect_eol(&mut self) -> PResult<()> {
        if !self.at_eol() {
            return self.fail(format!("expected end of line, found {}", self.found()));
        }
        self.bump();
        Ok(())
    }

    /// Reads an identifier (`[A-Za-z_][A-Za-z0-9_.]*`) after spaces.
    fn ident(&mut self) -> Option<(usize, &'a str)> {
        self.skip_spaces();
        let start = self.pos;
        let rest = &self.text[start..];
        if !rest.chars().next().is_some_and(is_ident_start) {
            return None;
        }
        let len = rest.find(|c: char| !is_ident_char(c)).unwrap_or(rest.len());
        self.pos += len;
        Some((start, &rest[..len]))
    }

    fn expect_ident(&mut self, what: &str) -> PResult<(usize, &'a str)> {
        match self.ident() {
            Some(x) => Ok(x),
            None => self.fail(format!("expected {what}, found {}", self.found())),
        }
    }

    /// Expects the keyword `kw`.
    fn keyword(&mut self, kw: &str) -> PResult<()> {
        let save = self.pos;
        match self.ident() {
            Some((_, w)) if w == kw => Ok(()),
            _ => {
                self.pos = save;
                self.skip_spaces();
                self.fail(format!("expected `{kw}`, found {}", self.found()))
            }
        }
    }

    /// Consumes the keyword `kw` if it is next.
    fn eat_keyword(&mut self, kw: &str) -> bool {
        let save = self.pos;
        match self.ident() {
            Some((_, w)) if w == kw => true,
            _ => {
                self.pos = save;
                false
            }
        }
    }

    /// Reads a run of number-ish characters (`[A-Za-z0-9_.+\-:]+`) after spaces.
    fn atom(&mut self, what: &str) -> PResult<(usize, &'a str)> {
        self.skip_spaces();
        let start = self.pos;
        let rest = &self.text[start..];
        let len = rest.find(|c: char| !is_atom_char(c)).unwrap_or(rest.len());
        if len == 0 {
            return self.fail(format!("expected {what}, found {}", self.found()));
        }
        self.pos += len;
        Ok((start, &rest[..len]))
    }

    /// An unsigned integer no larger than `max`.
    fn uint(&mut self, what: &str, max: u128) -> PResult<u128> {
        let (pos, s) = self.atom(what)?;
        parse_uint(s, max).ok_or_else(|| Failure::at(pos, format!("invalid {what} `{s}`")))
    }

    fn ty(&mut self) -> PResult<Type> {
        let (pos, name) = self.expect_ident("a type")?;
        Type::from_name(name).ok_or_else(|| Failure::at(pos, format!("unknown type `{name}`")))
    }

    /// `prefixN`, the entity number, and where it starts.
    fn entity(&mut self, prefix: &str, what: &str) -> PResult<(u32, usize)> {
        self.skip_spaces();
        let pos = self.pos;
        let word = match self.ident() {
            Some((_, w)) => w,
            None => return self.fail(format!("expected {what}, found {}", self.found())),
        };
        match split_entity(word) {
            Some((p, digits)) if p == prefix => {
                let num = entity_number(digits, pos, word)?;
                Ok((num, pos))
            }
            _ => Err(Failure::at(pos, format!("expected {what}, found `{word}`"))),
        }
    }

    fn local_entity(&mut self, prefix: &str, what: &str) -> PResult<(u32, usize)> {
        let (num, pos) = self.entity(prefix, what)?;
        check_local(num, pos, prefix)?;
        Ok((num, pos))
    }

    fn value(&mut self) -> PResult<ValRef> {
        let (num, pos) = self.local_entity("v", "a value")?;
        Ok(ValRef { num, pos })
    }

    /// `v1, v2, ...` up to the end of the line (possibly empty).
    fn value_list_to_eol(&mut self) -> PResult<Vec<ValRef>> {
        let mut vals = Vec::new();
        if self.at_eol() {
            return Ok(vals);
        }
        loop {
            vals.push(self.value()?);
            if !self.eat(',') {
                return Ok(vals);
            }
        }
    }

    /// `(v1, v2, ...)`, possibly empty.
    fn paren_values(&mut self) -> PResult<Vec<ValRef>> {
        self.expect('(')?;
        let mut vals = Vec::new();
        if self.eat(')') {
            return Ok(vals);
        }
        loop {
            vals.push(self.value()?);
            if self.eat(')') {
                return Ok(vals);
            }
            if !self.eat(',') {
                return self.fail(format!("expected `,` or `)`, found {}", self.found()));
            }
        }
    }

    /// `blockN` or `blockN(v1, ...)`.
    fn block_call(&mut self) -> PResult<BlockCallAst> {
        let (block, _) = self.local_entity("block", "a block")?;
        self.skip_spaces();
        let args = if self.peek() == Some('(') { self.paren_values()? } else { Vec::new() };
        Ok(BlockCallAst { block, args })
    }

    /// A double-quoted string with `\"`, `\\` and `\u{..}` escapes.
    fn string(&mut self) -> PResult<String> {
        self.expect('"')?;
        let mut out = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None | Some('\n') => return Err(Failure::at(at, "unterminated string".to_string())),
                Some('"') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some('"') => out.push('"'),
                    Some('\\') => out.push('\\'),
                    Some('u') => {
                        let bad = |p: &Self| Failure::at(at, format!("invalid escape `{}`", &p.text[at..p.pos]));
                        if self.bump() != Some('{') {
                            return Err(bad(self));
                        }
                        let rest = &self.text[self.pos..];
                        let len = rest.find(|c: char| !c.is_ascii_hexdigit()).unwrap_or(rest.len());
                        let code = u32::from_str_radix(&rest[..len], 16).ok();
                        self.pos += len;
                        if self.bump() != Some('}') {
                            return Err(bad(self));
                        }
                        match code.and_then(char::from_u32) {
                            Some(c) => out.push(c),
                            None => return Err(bad(self)),
                        }
                    }
                    _ => return Err(Failure::at(at, format!("invalid escape `{}`", &self.text[at..self.pos]))),
                },
                Some(c) => out.push(c),
            }
        }
    }

    /// `%name` or `%"any name"`.
    fn func_name(&mut self) -> PResult<String> {
        self.expect('%')?;
        if self.peek() == Some('"') {
            return self.string();
        }
        let rest = &self.text[self.pos..];
        let len = rest.find(|c: char| !is_name_char(c)).unwrap_or(rest.len());
        if len == 0 {
            return self.fail(format!("expected a function name, found {}", self.found()));
        }
        self.pos += len;
        Ok(rest[..len].to_string())
    }

    /// `(T, ...)` optionally followed by `-> T, ...`.
    fn signature(&mut self) -> PResult<Signature> {
        self.expect('(')?;
        let mut sig = Signature::default();
        if !self.eat(')') {
            loop {
                sig.params.push(self.ty()?);
                if self.eat(')') {
                    break;
                }
                if !self.eat(',') {
                    return self.fail(format!("expected `,` or `)`, found {}", self.found()));
                }
            }
        }
        self.skip_spaces();
        if self.text[self.pos..].starts_with("->") {
            self.pos += 2;
            loop {
                sig.results.push(self.ty()?);
                if !self.eat(',') {
                    break;
                }
            }
        }
        Ok(sig)
    }

    /// `min=A` and an optional `max=B`.
    fn limits(&mut self) -> PResult<(u64, Option<u64>)> {
        self.keyword("min")?;
        self.expect('=')?;
        let min = self.uint("minimum", u128::from(u64::MAX))? as u64;
        let max = if self.eat_keyword("max") {
            self.expect('=')?;
            Some(self.uint("maximum", u128::from(u64::MAX))? as u64)
        } else {
            None
        };
        Ok((min, max))
    }

    // ------------------------------------------------------------ function

    fn function(&mut self) -> PResult<FuncAst> {
        self.keyword("function")?;
        let name = self.func_name()?;
        let sig = self.signature()?;
        self.expect('{')?;
        self.expect_eol()?;
        let mut func = FuncAst { name, sig, decls: Decls::default(), blocks: Vec::new() };
        loop {
            self.skip_blank_lines();
            let line_start = self.pos;
            match self.peek() {
                None => return self.fail("unterminated function: expected `}`, found end of file".to_string()),
                Some('}') => {
                    self.bump();
                    self.expect_eol()?;
                    return Ok(func);
                }
                _ => {}
            }
            let (_, word) = self.expect_ident("a block, a declaration or an instruction")?;
            let split = split_entity(word);
            self.skip_spaces();
            let next = self.peek();
            match split {
                Some(("block", digits)) if matches!(next, Some('(' | ':')) => {
                    let num = entity_number(digits, line_start, word)?;
                    check_local(num, line_start, "block")?;
                    self.block_header(&mut func, num, line_start)?;
                }
                Some((prefix @ ("sig" | "fn" | "gv" | "mem" | "table"), digits)) if next == Some('=') => {
                    if !func.blocks.is_empty() {
                        let msg = "declarations must come before the first block".to_string();
                        return Err(Failure::at(line_start, msg));
                    }
                    let num = entity_number(digits, line_start, word)?;
                    self.bump();
                    self.decl(&mut func.decls, prefix, num, line_start)?;
                }
                _ if word == "function" => {
                    let msg = "unterminated function: expected `}` before the next function".to_string();
                    return Err(Failure::at(line_start, msg));
                }
                _ => {
                    self.pos = line_start;
                    let inst = self.inst()?;
                    match func.blocks.last_mut() {
                        Some(b) => b.insts.push(inst),
                        None => return Err(Failure::at(line_start, "instruction outside a block".to_string())),
                    }
                }
            }
            self.expect_eol()?;
        }
    }

    /// After `blockN`: optional parameters and the colon.
    fn block_header(&mut self, func: &mut FuncAst, num: u32, pos: usize) -> PResult<()> {
        let mut params = Vec::new();
        if self.eat('(') {
            loop {
                let v = self.value()?;
                self.expect(':')?;
                params.push((v, self.ty()?));
                if self.eat(')') {
                    break;
                }
                if !self.eat(',') {
                    return self.fail(format!("expected `,` or `)`, found {}", self.found()));
                }
            }
        }
        self.expect(':')?;
        func.blocks.push(BlockAst { num, pos, params, insts: Vec::new() });
        Ok(())
    }

    /// After `prefixN =`: the rest of a declaration line.
    fn decl(&mut self, decls: &mut Decls, prefix: &str, num: u32, pos: usize) -> PResult<()> {
        let redefined = |what: &str| Err(Failure::at(pos, format!("redefinition of {what}{num}")));
        match prefix {
            "sig" => {
                let sig = self.signature()?;
                if decls.sigs.insert(SigRef::from_u32(num), sig).is_some() {
                    return redefined(prefix);
                }
            }
            "fn" => {
                self.skip_spaces();
                let name = if self.peek() == Some('"') { Some(self.string()?) } else { None };
                let sig = self.signature()?;
                if decls.funcs.insert(FuncRef::from_u32(num), FuncDecl { sig, name }).is_some() {
                    return redefined(prefix);
                }
            }
            "gv" => {
                self.keyword("global")?;
                let mutable = self.eat_keyword("mut");
                let ty = self.ty()?;
                if decls.globals.insert(GlobalRef::from_u32(num), GlobalDecl { ty, mutable }).is_some() {
                    return redefined(prefix);
                }
            }
            "mem" => {
                self.keyword("memory")?;
                let (min, max) = self.limits()?;
                if decls.memories.insert(MemoryRef::from_u32(num), MemoryDecl { min, max }).is_some() {
                    return redefined(prefix);
                }
            }
            _ => {
                self.keyword("table")?;
                let elem = self.ty()?;
                let (min, max) = self.limits()?;
                if decls.tables.insert(TableRef::from_u32(num), TableDecl { elem, min, max }).is_some() {
                    return redefined(prefix);
                }
            }
        }
        Ok(())
    }

    /// One instruction line (without the newline).
    fn inst(&mut self) -> PResult<InstAst> {
        self.skip_spaces();
        let pos = self.pos;
        let mut results = Vec::new();
        // Results: `vA, vB =`. An opcode name never reads as a value.
        let save = self.pos;
        if let Some((_, word)) = self.ident() {
            let is_value = matches!(split_entity(word), Some(("v", _)));
            self.pos = save;
            if is_value {
                loop {
                    results.push(self.value()?);
                    if self.eat('=') {
                        break;
                    }
                    if !self.eat(',') {
                        return self.fail(format!("expected `,` or `=`, found {}", self.found()));
                    }
                }
            }
        }
        let (op_pos, name) = self.expect_ident("an opcode")?;
        let opcode = Opcode::from_name(name).ok_or_else(|| Failure::at(op_pos, format!("unknown opcode `{name}`")))?;
        self.skip_spaces();
        let imm_pos = self.pos;
        let body = if opcode.is_branch() {
            self.branch(opcode)?
        } else {
            let kind = opcode.imm_kind();
            let imm = self.imm(opcode, kind)?;
            let args = if opcode.is_call() {
                // `call fnN(args)`; `call_indirect sigN tableM vIdx(args)`:
                // the callee index is the last operand.
                self.skip_spaces();
                let callee =
                    if kind == ImmKind::SigTable && self.peek() != Some('(') { Some(self.value()?) } else { None };
                let mut args = self.paren_values()?;
                args.extend(callee);
                args
            } else {
                self.value_list_to_eol()?
            };
            InstBody::Op { opcode, imm, args }
        };
        Ok(InstAst {
            pos,
            imm_pos: if opcode.imm_kind() == ImmKind::None { op_pos } else { imm_pos },
            opcode,
            results,
            body,
        })
    }

    fn branch(&mut self, opcode: Opcode) -> PResult<InstBody> {
        if opcode == Opcode::Jump {
            return Ok(InstBody::Jump(self.block_call()?));
        }
        let v = self.value()?;
        self.expect(',')?;
        let first = self.block_call()?;
        self.expect(',')?;
        if opcode == Opcode::Brif {
            let else_dest = self.block_call()?;
            return Ok(InstBody::Brif { cond: v, then_dest: first, else_dest });
        }
        self.expect('[')?;
        let mut targets = Vec::new();
        if !self.eat(']') {
            loop {
                targets.push(self.block_call()?);
                if self.eat(']') {
                    break;
                }
                if !self.eat(',') {
                    return self.fail(format!("expected `,` or `]`, found {}", self.found()));
                }
            }
        }
        Ok(InstBody::BrTable { index: v, default: first, targets })
    }

    /// `memN[+offset][ align=A]`.
    fn memarg(&mut self, opcode: Opcode) -> PResult<MemArg> {
        let (mem, _) = self.entity("mem", "a memory")?;
        let offset = if self.eat('+') { self.uint("offset", u128::from(u64::MAX))? as u64 } else { 0 };
        let align = if self.eat_keyword("align") {
            self.expect('=')?;
            self.skip_spaces();
            let pos = self.pos;
            let bytes = self.uint("alignment", u128::from(u64::MAX))?;
            if !bytes.is_power_of_two() {
                return Err(Failure::at(pos, format!("alignment {bytes} is not a power of two")));
            }
            bytes.trailing_zeros() as u8
        } else {
            opcode.natural_align()
        };
        Ok(MemArg { memory: MemoryRef::from_u32(mem), offset, align })
    }

    fn imm(&mut self, opcode: Opcode, kind: ImmKind) -> PResult<Imm> {
        let int = |p: &mut Self, bits: u32| -> PResult<i128> {
            let (pos, s) = p.atom(&format!("an i{bits} constant"))?;
            parse_int(s, bits).ok_or_else(|| Failure::at(pos, format!("invalid i{bits} constant `{s}`")))
        };
        let lane = |p: &mut Self| -> PResult<u8> { Ok(p.uint("lane index", 255)? as u8) };
        Ok(match kind {
            ImmKind::None => Imm::None,
            ImmKind::I32 => Imm::I32(int(self, 32)? as u32 as i32),
            ImmKind::I64 => Imm::I64(int(self, 64)? as u64 as i64),
            ImmKind::F32 => {
                let (pos, s) = self.atom("an f32 constant")?;
                Imm::F32(Ieee32::parse(s).ok_or_else(|| Failure::at(pos, format!("invalid f32 constant `{s}`")))?)
            }
            ImmKind::F64 => {
                let (pos, s) = self.atom("an f64 constant")?;
                Imm::F64(Ieee64::parse(s).ok_or_else(|| Failure::at(pos, format!("invalid f64 constant `{s}`")))?)
            }
            ImmKind::V128 => {
                let (pos, s) = self.atom("a v128 constant")?;
                let bits = s
                    .strip_prefix("0x")
                    .filter(|h| (1..=32).contains(&h.len()) && h.chars().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|h| u128::from_str_radix(h, 16).ok());
                let bits = bits.ok_or_else(|| {
                    Failure::at(pos, format!("invalid v128 constant `{s}` (expected 0x and up to 32 hex digits)"))
                })?;
                Imm::V128(V128Imm::from_u128(bits))
            }
            ImmKind::Mem => Imm::Mem(self.memarg(opcode)?),
            ImmKind::MemLane => {
                let m = self.memarg(opcode)?;
                Imm::MemLane(m, lane(self)?)
            }
            ImmKind::Lane => Imm::Lane(lane(self)?),
            ImmKind::Shuffle => {
                self.skip_spaces();
                let start = self.pos;
                self.expect('[')?;
                let mut lanes = Vec::new();
                while !self.eat(']') {
                    if self.at_eol() {
                        return self.fail(format!("expected a lane index or `]`, found {}", self.found()));
                    }
                    lanes.push(lane(self)?);
                }
                match <[u8; 16]>::try_from(lanes.as_slice()) {
                    Ok(l) => Imm::Shuffle(l),
                    Err(_) => {
                        let msg = format!("a shuffle takes 16 lane indices, found {}", lanes.len());
                        return Err(Failure::at(start, msg));
                    }
                }
            }
            ImmKind::Global => Imm::Global(GlobalRef::from_u32(self.entity("gv", "a global")?.0)),
            ImmKind::Func => Imm::Func(FuncRef::from_u32(self.entity("fn", "a function")?.0)),
            ImmKind::SigTable => {
                let s = SigRef::from_u32(self.entity("sig", "a signature")?.0);
                Imm::SigTable(s, TableRef::from_u32(self.entity("table", "a table")?.0))
            }
            ImmKind::Table => Imm::Table(TableRef::from_u32(self.entity("table", "a table")?.0)),
            ImmKind::TableTable => {
                let a = TableRef::from_u32(self.entity("table", "a table")?.0);
                Imm::TableTable(a, TableRef::from_u32(self.entity("table", "a table")?.0))
            }
            ImmKind::Memory => Imm::Memory(MemoryRef::from_u32(self.entity("mem", "a memory")?.0)),
            ImmKind::MemMem => {
                let a = MemoryRef::from_u32(self.entity("mem", "a memory")?.0);
                Imm::MemMem(a, MemoryRef::from_u32(self.entity("mem", "a memory")?.0))
            }
            ImmKind::DataMem => {
                let d = DataRef::from_u32(self.entity("data", "a data segment")?.0);
                Imm::DataMem(d, MemoryRef::from_u32(self.entity("mem", "a memory")?.0))
            }
            ImmKind::Data => Imm::Data(DataRef::from_u32(self.entity("data", "a data segment")?.0)),
            ImmKind::ElemTable => {
                let e = ElemRef::from_u32(self.entity("elem", "an element segment")?.0);
                Imm::ElemTable(e, TableRef::from_u32(self.entity("table", "a table")?.0))
            }
            ImmKind::Elem => Imm::Elem(ElemRef::from_u32(self.entity("elem", "an element segment")?.0)),
            ImmKind::RefType => Imm::RefType(self.ty()?),
        })
    }
}

/// The number of an entity (`digits` of `word`), below `u32::MAX`.
fn entity_number(digits: &str, pos: usize, word: &str) -> PResult<u32> {
    match digits.parse::<u32>() {
        Ok(n) if n < u32::MAX => Ok(n),
        _ => Err(Failure::at(pos, format!("entity number of `{word}` is too large"))),
    }
}

/// Blocks and values are allocated densely up to the number used.
fn check_local(num: u32, pos: usize, prefix: &str) -> PResult<()> {
    if num >= MAX_LOCAL_ENTITY {
        let msg = format!("{prefix}{num} is too large: block and value numbers must be below {MAX_LOCAL_ENTITY}");
        return Err(Failure::at(pos, msg));
    }
    Ok(())
}

// ---------------------------------------------------------------- building

/// Visits every value use of an instruction with its position.
fn inst_uses(inst: &InstAst) -> Vec<ValRef> {
    let mut out = Vec::new();
    let call = |c: &BlockCallAst, out: &mut Vec<ValRef>| out.extend_from_slice(&c.args);
    match &inst.body {
        InstBody::Op { args, .. } => out.extend_from_slice(args),
        InstBody::Jump(c) => call(c, &mut out),
        InstBody::Brif { cond, then_dest, else_dest } => {
            out.push(*cond);
            call(then_dest, &mut out);
            call(else_dest, &mut out);
        }
        InstBody::BrTable { index, default, targets } => {
            out.push(*index);
            call(default, &mut out);
            for t in targets {
                call(t, &mut out);
            }
        }
    }
    out
}

fn inst_targets(inst: &InstAst) -> Vec<u32> {
    match &inst.body {
        InstBody::Op { .. } => Vec::new(),
        InstBody::Jump(c) => vec![c.block],
        InstBody::Brif { then_dest, else_dest, .. } => vec![then_dest.block, else_dest.block],
        InstBody::BrTable { default, targets, .. } => {
            core::iter::once(default.block).chain(targets.iter().map(|t| t.block)).collect()
        }
    }
}

fn values_of(vals: &[ValRef]) -> Vec<Value> {
    vals.iter().map(|v| Value::from_u32(v.num)).collect()
}

fn build_function(ast: FuncAst) -> PResult<Function> {
    let mut func = Function::new(ast.name, ast.sig);
    func.dfg.decls = ast.decls;

    // Every block and value up to the highest number in the text.
    let mut max_block: Option<u32> = None;
    let mut max_value: Option<u32> = None;
    for b in &ast.blocks {
        max_block = max_block.max(Some(b.num));
        for (p, _) in &b.params {
            max_value = max_value.max(Some(p.num));
        }
        for inst in &b.insts {
            max_block = max_block.max(inst_targets(inst).into_iter().max());
            let defs_and_uses = inst.results.iter().chain(inst_uses(inst).iter()).map(|v| v.num).max();
            max_value = max_value.max(defs_and_uses);
        }
    }
    let num_blocks = max_block.map_or(0, |b| b as usize + 1);
    let num_values = max_value.map_or(0, |v| v as usize + 1);
    while func.dfg.num_blocks() < num_blocks {
        func.dfg.make_block();
    }
    while func.dfg.num_values() < num_values {
        func.dfg.make_detached_value(Type::I32);
    }

    // Each block header and each value is defined once.
    let mut block_defined = vec![false; num_blocks];
    let mut value_defined = vec![false; num_values];
    for b in &ast.blocks {
        if core::mem::replace(&mut block_defined[b.num as usize], true) {
            return Err(Failure::at(b.pos, format!("redefinition of block{}", b.num)));
        }
        let defs = b.params.iter().map(|(v, _)| v).chain(b.insts.iter().flat_map(|i| i.results.iter()));
        for v in defs {
            if core::mem::replace(&mut value_defined[v.num as usize], true) {
                return Err(Failure::at(v.pos, format!("redefinition of v{}", v.num)));
            }
        }
    }
    for inst in ast.blocks.iter().flat_map(|b| b.insts.iter()) {
        if let Some(v) = inst_uses(inst).into_iter().find(|v| !value_defined[v.num as usize]) {
            return Err(Failure::at(v.pos, format!("use of undefined value v{}", v.num)));
        }
    }

    // Layout, block parameters and instructions (results come after).
    let mut known = vec![false; num_values];
    let mut pending: Vec<(Inst, &InstAst)> = Vec::new();
    for b in &ast.blocks {
        let block = Block::from_u32(b.num);
        func.layout.append_block(block);
        for (v, ty) in &b.params {
            let value = Value::from_u32(v.num);
            func.dfg.set_value_type(value, *ty);
            func.dfg.attach_block_param(block, value);
            known[v.num as usize] = true;
        }
        for inst in &b.insts {
            let made = make_inst(&mut func.dfg, inst);
            func.layout.append_inst(made, block);
            pending.push((made, inst));
        }
    }

    // Result types, to a fixpoint (see the module docs).
    while !pending.is_empty() {
        let mut deferred = Vec::new();
        for (inst, ast) in pending.iter().copied() {
            match result_types(&mut func.dfg, inst, &known) {
                Some(Ok(tys)) => {
                    if tys.len() != ast.results.len() {
                        let noun = if tys.len() == 1 { "result" } else { "results" };
                        let msg = format!(
                            "`{}` produces {} {noun}, but the text names {}",
                            ast.opcode,
                            tys.len(),
                            ast.results.len()
                        );
                        return Err(Failure::at(ast.pos, msg));
                    }
                    for (r, ty) in ast.results.iter().zip(tys) {
                        let value = Value::from_u32(r.num);
                        func.dfg.set_value_type(value, ty);
                        func.dfg.attach_result(inst, value);
                        known[r.num as usize] = true;
                    }
                }
                Some(Err(e)) => return Err(Failure::at(ast.imm_pos, e.to_string())),
                None => deferred.push((inst, ast)),
            }
        }
        if deferred.len() == pending.len() {
            let (inst, ast) = deferred[0];
            let unknown = func.dfg.inst_args(inst).iter().copied().find(|v| !known[v.index()]);
            let what = unknown.map_or_else(String::new, |v| format!(": the type of {v} depends on it"));
            let msg = format!("cannot infer the result types of `{}`{what}", ast.opcode);
            return Err(Failure::at(ast.pos, msg));
        }
        pending = deferred;
    }
    Ok(func)
}

fn make_inst(dfg: &mut DataFlowGraph, inst: &InstAst) -> Inst {
    let block = |c: &BlockCallAst| Block::from_u32(c.block);
    match &inst.body {
        InstBody::Op { opcode, imm, args } => dfg.make_op(*opcode, &values_of(args), *imm),
        InstBody::Jump(c) => dfg.make_jump(block(c), &values_of(&c.args)),
        InstBody::Brif { cond, then_dest, else_dest } => dfg.make_brif(
            Value::from_u32(cond.num),
            block(then_dest),
            &values_of(&then_dest.args),
            block(else_dest),
            &values_of(&else_dest.args),
        ),
        InstBody::BrTable { index, default, targets } => {
            let targets: Vec<(Block, Vec<Value>)> = targets.iter().map(|t| (block(t), values_of(&t.args))).collect();
            dfg.make_br_table(Value::from_u32(index.num), (block(default), &values_of(&default.args)), &targets)
        }
    }
}

/// The result types of `inst` if they can be decided now: when every operand
/// has a known type, or when the result does not change whatever type the
/// unknown operands have. `None` means "not yet".
fn result_types(
    dfg: &mut DataFlowGraph,
    inst: Inst,
    known: &[bool],
) -> Option<Result<Vec<Type>, crate::dfg::ResultTypeError>> {
    let unknown: Vec<Value> = dfg.inst_args(inst).iter().copied().filter(|v| !known[v.index()]).collect();
    if unknown.is_empty() {
        return Some(dfg.result_types(inst));
    }
    let mut agreed = None;
    for ty in Type::ALL {
        for &v in &unknown {
            dfg.set_value_type(v, ty);
        }
        let outcome = dfg.result_types(inst);
        match &agreed {
            Some(prev) if *prev != outcome => return None,
            _ => agreed = Some(outcome),
        }
    }
    agreed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_signed_and_unsigned_ranges() {
        assert_eq!(parse_int("-1", 32), Some(-1));
        assert_eq!(parse_int("4294967295", 32), Some(4_294_967_295));
        assert_eq!(parse_int("4294967296", 32), None);
        assert_eq!(parse_int("-2147483648", 32), Some(-2_147_483_648));
        assert_eq!(parse_int("-2147483649", 32), None);
        assert_eq!(parse_int("0x7fffffff", 32), Some(0x7fff_ffff));
        assert_eq!(parse_int("+1", 32), None);
        assert_eq!(parse_int("0x", 32), None);
        assert_eq!(parse_int("-9223372036854775808", 64), Some(i128::from(i64::MIN)));
    }

    #[test]
    fn entity_words_split_into_prefix_and_digits() {
        assert_eq!(split_entity("block12"), Some(("block", "12")));
        assert_eq!(split_entity("v0"), Some(("v", "0")));
        assert_eq!(split_entity("v128.load"), None);
        assert_eq!(split_entity("12"), None);
        assert_eq!(split_entity("trap"), None);
    }

    #[test]
    fn error_positions_count_characters() {
        let text = "ab\nçd x";
        let e = Failure::at(text.find('x').unwrap_or(0), "m".to_string()).into_error(text);
        assert_eq!((e.line, e.col), (2, 4));
        assert_eq!(e.to_string(), "2:4: m");
    }
}
