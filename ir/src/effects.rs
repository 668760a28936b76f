//! Effect classes of opcodes.
//!
//! Passes consult effects, never opcode lists. Three questions have one
//! answer each:
//!
//! - may an instruction whose results are unused be deleted?
//!   [`Effects::removable`];
//! - may it be moved, duplicated or evaluated on paths that did not evaluate
//!   it (hoisted, speculated)? [`Effects::is_pure`];
//! - must two instructions keep their relative order?
//!   [`Effects::conflicts_with`].

use core::fmt;
use core::ops::BitOr;

/// A set of effect bits.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Effects(u16);

impl Effects {
    /// No effect: the result depends only on the operands.
    pub const PURE: Effects = Effects(0);
    /// May trap (division by zero, float-to-int overflow, out-of-bounds).
    pub const TRAP: Effects = Effects(1 << 0);
    /// Reads linear memory (contents or size).
    pub const READS_MEMORY: Effects = Effects(1 << 1);
    /// Writes linear memory (contents or size) or data-segment state.
    pub const WRITES_MEMORY: Effects = Effects(1 << 2);
    /// Reads a global.
    pub const READS_GLOBAL: Effects = Effects(1 << 3);
    /// Writes a global.
    pub const WRITES_GLOBAL: Effects = Effects(1 << 4);
    /// Reads a table (contents or size).
    pub const READS_TABLE: Effects = Effects(1 << 5);
    /// Writes a table (contents or size) or element-segment state.
    pub const WRITES_TABLE: Effects = Effects(1 << 6);
    /// Calls a function: may read and write all state, and trap.
    pub const CALL: Effects = Effects(1 << 7);
    /// Transfers control: a block terminator.
    pub const CONTROL: Effects = Effects(1 << 8);

    /// A load: reads memory, traps out of bounds.
    pub const LOAD: Effects = Effects(Self::TRAP.0 | Self::READS_MEMORY.0);
    /// A store: writes memory, traps out of bounds.
    pub const STORE: Effects = Effects(Self::TRAP.0 | Self::WRITES_MEMORY.0);
    /// Bulk memory operations that read and write and trap
    /// (`memory.fill/copy/init`).
    pub const MEMORY_RW: Effects = Effects(Self::TRAP.0 | Self::READS_MEMORY.0 | Self::WRITES_MEMORY.0);
    /// `memory.grow`: reads and changes the size, never traps (failure
    /// returns -1).
    pub const MEMORY_GROW: Effects = Effects(Self::READS_MEMORY.0 | Self::WRITES_MEMORY.0);
    /// Table writes that may trap (`table.set/fill/copy/init`).
    pub const TABLE_RW: Effects = Effects(Self::TRAP.0 | Self::READS_TABLE.0 | Self::WRITES_TABLE.0);
    /// Table reads that may trap (`table.get`).
    pub const TABLE_READ_TRAP: Effects = Effects(Self::TRAP.0 | Self::READS_TABLE.0);
    /// `table.grow`: reads and changes the size, never traps (failure
    /// returns -1).
    pub const TABLE_GROW: Effects = Effects(Self::READS_TABLE.0 | Self::WRITES_TABLE.0);
    /// A call: every effect but control transfer.
    pub const CALL_ALL: Effects = Effects(0x00ff);
    /// `trap` (wasm `unreachable`): a terminator that always traps.
    pub const TRAP_CONTROL: Effects = Effects(Self::TRAP.0 | Self::CONTROL.0);
    /// A tail call: a terminator with every effect of a call.
    pub const TAIL_CALL: Effects = Effects(Self::CALL_ALL.0 | Self::CONTROL.0);

    /// The raw bits.
    pub fn bits(self) -> u16 {
        self.0
    }
    /// Does `self` include every bit of `other`?
    pub fn contains(self, other: Effects) -> bool {
        self.0 & other.0 == other.0
    }
    /// Do `self` and `other` share a bit?
    pub fn intersects(self, other: Effects) -> bool {
        self.0 & other.0 != 0
    }
    /// No effect bits at all: the result depends only on the operands, so
    /// the instruction may be moved, duplicated, or evaluated on a path that
    /// did not evaluate it (hoisted, speculated). Stricter than
    /// [`Self::removable`]: a read may be removed when unused but not moved
    /// across a write.
    pub fn is_pure(self) -> bool {
        self.0 == 0
    }
    /// May trap (including through a call).
    pub fn may_trap(self) -> bool {
        self.intersects(Effects(Self::TRAP.0 | Self::CALL.0))
    }
    /// May an instruction with these effects be deleted when none of its
    /// results is used? True exactly when every bit set is a read
    /// ([`Self::READS_MEMORY`], [`Self::READS_GLOBAL`], [`Self::READS_TABLE`])
    /// — pure instructions included: a read without the trap bit never traps
    /// and changes nothing, so no observer can tell it ran. False for
    /// anything that may trap (loads, division, float-to-int truncation,
    /// `table.get`), writes state (stores, `global.set`, `memory.grow`),
    /// calls or transfers control.
    pub fn removable(self) -> bool {
        let reads = Effects(Self::READS_MEMORY.0 | Self::READS_GLOBAL.0 | Self::READS_TABLE.0);
        reads.contains(self)
    }
    /// Must two instructions with these effects keep their relative order?
    /// True when either writes what the other reads or writes, when either
    /// calls, or when both may trap (which trap comes first is observable).
    pub fn conflicts_with(self, other: Effects) -> bool {
        if self.intersects(Self::CALL) && !other.is_pure() || other.intersects(Self::CALL) && !self.is_pure() {
            return true;
        }
        let pairs = [
            (Self::WRITES_MEMORY, Self::READS_MEMORY),
            (Self::WRITES_GLOBAL, Self::READS_GLOBAL),
            (Self::WRITES_TABLE, Self::READS_TABLE),
        ];
        for (w, r) in pairs {
            let rw = Effects(w.0 | r.0);
            if self.intersects(w) && other.intersects(rw) || other.intersects(w) && self.intersects(rw) {
                return true;
            }
        }
        // A trap after a write is observable with the written state, and two
        // traps are ordered; traps commute only with pure code and reads.
        let writes = Effects(Self::WRITES_MEMORY.0 | Self::WRITES_GLOBAL.0 | Self::WRITES_TABLE.0 | Self::TRAP.0);
        self.intersects(Self::TRAP) && other.intersects(writes)
            || other.intersects(Self::TRAP) && self.intersects(writes)
    }
}

impl BitOr for Effects {
    type Output = Effects;
    fn bitor(self, rhs: Effects) -> Effects {
        Effects(self.0 | rhs.0)
    }
}

impl fmt::Debug for Effects {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NAMES: [&str; 9] = [
            "trap",
            "reads_memory",
            "writes_memory",
            "reads_global",
            "writes_global",
            "reads_table",
            "writes_table",
            "call",
            "control",
        ];
        if self.is_pure() {
            return f.write_str("pure");
        }
        let mut first = true;
        for (i, n) in NAMES.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                if !first {
                    f.write_str("|")?;
                }
                f.write_str(n)?;
                first = false;
            }
        }
        Ok(())
    }
}
