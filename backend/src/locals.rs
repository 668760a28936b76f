//! Local allocation: liveness over the emission order, an interference
//! graph, coalescing of block-argument copies, and greedy colouring.
//!
//! The values that need a wasm local are the needed block parameters and
//! the results of kind [`Kind::Local`] or [`Kind::Tee`]. Liveness is the
//! usual backward data flow over the reachable blocks, walking each block
//! in its *emission* order (after stackification moved definitions down),
//! with a block parameter defined at the top of its block and a block-call
//! argument used by the branch. Two values interfere when one is live where
//! the other is defined; the parameters of a block interfere with each
//! other and with everything live into the block, since the copies of an
//! edge write all of them.
//!
//! This is not [`weft_ir::Liveness`]: the sets needed here are over the
//! values that still need a local after stackification and dead-code
//! removal, and within a block they follow the emission order, not the
//! layout. Dense bit sets over those values keep the data flow simple.
//!
//! Coalescing merges an argument with the parameter it feeds (back edges
//! first, then forward edges, each in reverse postorder) when their classes
//! do not interfere and are not pinned to different function parameters, so
//! the copy disappears. Within each of the two, pairs where neither class is
//! pinned to a function parameter go first: a merge pinned to a parameter
//! that stays live (a `memcpy` returning its destination) interferes with
//! every other value arriving there, so taking the pinned edge first would
//! leave a copy on each of the others, where taking it last leaves one copy
//! on that edge alone (sightglass -O2: every file smaller or equal, 1.9 KB
//! in all; minicsv's `memcpy` 47 bytes). Colouring is first-fit in definition order over
//! "slots" per type: the function's own parameter locals first (the entry
//! block's parameters are pinned to them), then extra locals, declared
//! grouped by type in [`Type::ALL`] order.

use crate::analysis::{FuncInfo, Kind};
use crate::stackify::Schedule;
use cranelift_entity::SecondaryMap;
use weft_ir::{Inst, InstructionData, Type, Value};

const NONE: u32 = u32::MAX;

/// The local assigned to every value that has one, and the declarations.
pub(crate) struct Locals {
    /// Local index of each value whose [`Kind::has_local`] holds.
    pub local_of: SecondaryMap<Value, u32>,
    /// Extra local declarations after the parameters: (count, type).
    pub decls: Vec<(u32, Type)>,
    /// The locals of the values live into each reachable block (its own
    /// parameters excluded), sorted.
    pub live_in: SecondaryMap<weft_ir::Block, Vec<u32>>,
}

/// A fixed-size bit set over local-value ids.
#[derive(Clone, PartialEq, Eq)]
struct BitSet(Vec<u64>);

impl BitSet {
    fn new(n: usize) -> Self {
        BitSet(vec![0; n.div_ceil(64)])
    }
    fn insert(&mut self, i: u32) {
        self.0[i as usize / 64] |= 1 << (i % 64);
    }
    fn remove(&mut self, i: u32) {
        self.0[i as usize / 64] &= !(1 << (i % 64));
    }
    fn union_with(&mut self, other: &BitSet) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= *b;
        }
    }
    fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.0.iter().enumerate().flat_map(|(w, &bits)| {
            let mut bits = bits;
            core::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let b = bits.trailing_zeros();
                bits &= bits - 1;
                Some(w as u32 * 64 + b)
            })
        })
    }
}

/// Where a class of values lives.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Slot {
    /// The function parameter local with this index.
    Param(u32),
    /// The n-th extra local of a type.
    Extra(Type, u32),
}

/// Union-find over local-value ids with member lists for interference tests.
struct Classes {
    parent: Vec<u32>,
    members: Vec<Vec<u32>>,
    pinned: Vec<Option<u32>>,
}

impl Classes {
    fn find(&mut self, mut x: u32) -> u32 {
        let mut root = x;
        while self.parent[root as usize] != root {
            root = self.parent[root as usize];
        }
        while self.parent[x as usize] != root {
            let next = self.parent[x as usize];
            self.parent[x as usize] = root;
            x = next;
        }
        root
    }

    fn interfere(&mut self, a: u32, b: u32, adj: &[Vec<u32>]) -> bool {
        let (small, other) =
            if self.members[a as usize].len() <= self.members[b as usize].len() { (a, b) } else { (b, a) };
        let members = self.members[small as usize].clone();
        members.iter().any(|&m| adj[m as usize].iter().any(|&n| self.find(n) == other))
    }

    fn try_union(&mut self, x: u32, y: u32, adj: &[Vec<u32>], ty: &[Type]) -> bool {
        let (a, b) = (self.find(x), self.find(y));
        if a == b {
            return true;
        }
        if ty[a as usize] != ty[b as usize] {
            return false;
        }
        let (pa, pb) = (self.pinned[a as usize], self.pinned[b as usize]);
        if pa.is_some() && pb.is_some() && pa != pb {
            return false;
        }
        if self.interfere(a, b, adj) {
            return false;
        }
        let (big, small) =
            if self.members[a as usize].len() >= self.members[b as usize].len() { (a, b) } else { (b, a) };
        let moved = core::mem::take(&mut self.members[small as usize]);
        self.members[big as usize].extend(moved);
        self.parent[small as usize] = big;
        self.pinned[big as usize] = pa.or(pb);
        true
    }
}

/// Assigns a local to every value that needs one.
pub(crate) fn allocate(info: &FuncInfo<'_>, schedule: &Schedule) -> Locals {
    let func = info.func;
    let dfg = &func.dfg;

    // Number the values that need locals, in definition order.
    let mut lv: SecondaryMap<Value, u32> = SecondaryMap::with_default(NONE);
    let mut vals: Vec<Value> = Vec::new();
    let mut pinned: Vec<Option<u32>> = Vec::new();
    let entry = info.rpo[0];
    let mut number = |v: Value, pin: Option<u32>, lv: &mut SecondaryMap<Value, u32>| {
        lv[v] = vals.len() as u32;
        vals.push(v);
        pinned.push(pin);
    };
    for &block in &info.rpo {
        for (k, &p) in dfg.block_params(block).iter().enumerate() {
            if info.needed_value[p] {
                number(p, (block == entry).then_some(k as u32), &mut lv);
            }
        }
        for &inst in &schedule.order[block] {
            for &r in dfg.inst_results(inst) {
                if info.kind[r].has_local() {
                    number(r, None, &mut lv);
                }
            }
        }
    }
    let n = vals.len();
    let ty: Vec<Type> = vals.iter().map(|&v| dfg.value_type(v)).collect();

    // Local reads and writes of every emitted instruction.
    let mut uses: SecondaryMap<Inst, Vec<u32>> = SecondaryMap::new();
    let mut defs: SecondaryMap<Inst, Vec<u32>> = SecondaryMap::new();
    for &block in &info.rpo {
        for &inst in &schedule.order[block] {
            let mut u = Vec::new();
            for (j, &v) in info.operands[inst].iter().enumerate() {
                match info.kind[v] {
                    Kind::Local => u.push(lv[v]),
                    Kind::Tee { inst: at, operand } if (at, operand) != (inst, j as u32) => u.push(lv[v]),
                    _ => {}
                }
            }
            if matches!(dfg.insts[inst], InstructionData::Brif { .. } | InstructionData::BrTable { .. }) {
                for edge in &info.edges[block] {
                    for (&a, &p) in edge.args.iter().zip(dfg.block_params(edge.to)) {
                        if info.needed_value[p] && info.kind[a].has_local() {
                            u.push(lv[a]);
                        }
                    }
                }
            }
            uses[inst] = u;
            defs[inst] = dfg.inst_results(inst).iter().filter(|&&r| lv[r] != NONE).map(|&r| lv[r]).collect();
        }
    }
    let params_of = |block| -> Vec<u32> { info.needed_params(block).map(|p| lv[p]).collect() };

    // Liveness to a fixed point, blocks in postorder.
    let mut index: SecondaryMap<weft_ir::Block, usize> = SecondaryMap::new();
    for (i, &b) in info.rpo.iter().enumerate() {
        index[b] = i;
    }
    let mut live_in = vec![BitSet::new(n); info.rpo.len()];
    let live_out = |block, live_in: &[BitSet]| {
        let mut live = BitSet::new(n);
        for &s in &info.succs[block] {
            live.union_with(&live_in[index[s]]);
        }
        live
    };
    loop {
        let mut changed = false;
        for &block in info.rpo.iter().rev() {
            let mut live = live_out(block, &live_in);
            for &inst in schedule.order[block].iter().rev() {
                for &d in &defs[inst] {
                    live.remove(d);
                }
                for &u in &uses[inst] {
                    live.insert(u);
                }
            }
            for p in params_of(block) {
                live.remove(p);
            }
            if live != live_in[index[block]] {
                live_in[index[block]] = live;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }

    // Interference graph.
    let mut adj: Vec<Vec<u32>> = vec![Vec::new(); n];
    let edge = |a: u32, b: u32, adj: &mut Vec<Vec<u32>>| {
        if a != b {
            adj[a as usize].push(b);
            adj[b as usize].push(a);
        }
    };
    for &block in &info.rpo {
        let mut live = live_out(block, &live_in);
        for &inst in schedule.order[block].iter().rev() {
            let d = &defs[inst];
            for (i, &x) in d.iter().enumerate() {
                for y in live.iter() {
                    edge(x, y, &mut adj);
                }
                for &y in &d[i + 1..] {
                    edge(x, y, &mut adj);
                }
            }
            for &x in d {
                live.remove(x);
            }
            for &u in &uses[inst] {
                live.insert(u);
            }
        }
        let ps = params_of(block);
        for (i, &p) in ps.iter().enumerate() {
            for y in live.iter() {
                edge(p, y, &mut adj);
            }
            for &q in &ps[i + 1..] {
                edge(p, q, &mut adj);
            }
        }
    }
    for list in &mut adj {
        list.sort_unstable();
        list.dedup();
    }

    // Coalesce block arguments with parameters: back edges, then forward.
    let mut classes =
        Classes { parent: (0..n as u32).collect(), members: (0..n as u32).map(|i| vec![i]).collect(), pinned };
    for (back, with_pinned) in [(true, false), (true, true), (false, false), (false, true)] {
        for &block in &info.rpo {
            for e in &info.edges[block] {
                if (info.rpo_number(e.to) <= info.rpo_number(block)) != back {
                    continue;
                }
                for (&a, &p) in e.args.iter().zip(dfg.block_params(e.to)) {
                    if info.needed_value[p] && info.kind[a].has_local() {
                        let pinned = |x: u32, c: &mut Classes| {
                            let r = c.find(x);
                            c.pinned[r as usize].is_some()
                        };
                        if !with_pinned && (pinned(lv[a], &mut classes) || pinned(lv[p], &mut classes)) {
                            continue;
                        }
                        classes.try_union(lv[a], lv[p], &adj, &ty);
                    }
                }
            }
        }
    }

    // Colour: pinned classes first, then the rest in definition order.
    let nparams = func.sig.params.len() as u32;
    let mut slot: Vec<Option<Slot>> = vec![None; n];
    for i in 0..n as u32 {
        let r = classes.find(i);
        if let Some(k) = classes.pinned[r as usize] {
            slot[r as usize] = Some(Slot::Param(k));
        }
    }
    let mut stamp = 0u32;
    let mut param_mark = vec![0u32; nparams as usize];
    let mut extra_mark: Vec<Vec<u32>> = vec![Vec::new(); Type::ALL.len()];
    let mut extra_count = [0u32; Type::ALL.len()];
    let type_index = |t: Type| Type::ALL.iter().position(|&x| x == t).unwrap_or(0);
    for i in 0..n as u32 {
        let r = classes.find(i);
        if slot[r as usize].is_some() {
            continue;
        }
        stamp += 1;
        let t = ty[r as usize];
        let ti = type_index(t);
        let members = classes.members[r as usize].clone();
        for m in members {
            for &neighbour in &adj[m as usize] {
                let nb = classes.find(neighbour);
                match slot[nb as usize] {
                    Some(Slot::Param(p)) => param_mark[p as usize] = stamp,
                    Some(Slot::Extra(et, e)) => {
                        let marks = &mut extra_mark[type_index(et)];
                        if marks.len() <= e as usize {
                            marks.resize(e as usize + 1, 0);
                        }
                        marks[e as usize] = stamp;
                    }
                    None => {}
                }
            }
        }
        let chosen = (0..nparams)
            .find(|&p| func.sig.params[p as usize] == t && param_mark[p as usize] != stamp)
            .map(Slot::Param)
            .unwrap_or_else(|| {
                let marks = &extra_mark[ti];
                let e = (0u32..).find(|&e| marks.get(e as usize).is_none_or(|&m| m != stamp)).unwrap_or(0);
                extra_count[ti] = extra_count[ti].max(e + 1);
                Slot::Extra(t, e)
            });
        slot[r as usize] = Some(chosen);
    }

    // Extra locals grouped by type.
    let mut base = [0u32; Type::ALL.len()];
    let mut next = nparams;
    let mut decls = Vec::new();
    for (ti, &t) in Type::ALL.iter().enumerate() {
        base[ti] = next;
        if extra_count[ti] > 0 {
            decls.push((extra_count[ti], t));
            next += extra_count[ti];
        }
    }
    let mut local_of: SecondaryMap<Value, u32> = SecondaryMap::with_default(NONE);
    for (i, &v) in vals.iter().enumerate() {
        let r = classes.find(i as u32);
        local_of[v] = match slot[r as usize] {
            Some(Slot::Param(p)) => p,
            Some(Slot::Extra(t, e)) => base[type_index(t)] + e,
            None => NONE,
        };
    }
    let mut live_in_locals: SecondaryMap<weft_ir::Block, Vec<u32>> = SecondaryMap::new();
    for (&block, live) in info.rpo.iter().zip(&live_in) {
        let mut ls: Vec<u32> = live.iter().map(|i| local_of[vals[i as usize]]).collect();
        ls.sort_unstable();
        ls.dedup();
        live_in_locals[block] = ls;
    }
    Locals { local_of, decls, live_in: live_in_locals }
}
