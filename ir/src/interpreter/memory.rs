//! Memory and table instructions on a [`State`]: bounds-checked loads and
//! stores, `memory.size/grow/fill/copy/init`, `data.drop`, and the table
//! operations with `elem.drop`.
//!
//! Bounds follow wasm 2.0: an access of `n` bytes at effective address
//! `ea = u64(addr) + offset` is in bounds when `ea + n <= len` (computed
//! without wrapping). Bulk operations check every range before they write
//! anything, so a trapping `memory.copy`/`fill`/`init` leaves memory
//! unchanged; a zero-length operation still traps when its offset is past
//! the end.

use super::Trap;
use super::state::State;
use crate::entities::{DataRef, ElemRef, MemoryRef, TableRef};
use crate::immediates::MemArg;
use crate::types::Type;

impl State {
    /// The `len` bytes a load through `memarg` at dynamic address `addr`
    /// reads, or [`Trap::MemoryOutOfBounds`].
    pub fn load_bytes(&self, memarg: &MemArg, addr: u32, len: u64) -> Result<&[u8], Trap> {
        let mem = self.memory(memarg.memory)?;
        let ea = u64::from(addr).checked_add(memarg.offset).ok_or(Trap::MemoryOutOfBounds)?;
        let range = mem.range(ea, len).ok_or(Trap::MemoryOutOfBounds)?;
        Ok(&mem.bytes[range])
    }

    /// Stores `bytes` through `memarg` at dynamic address `addr`, or traps
    /// with [`Trap::MemoryOutOfBounds`] (writing nothing).
    pub fn store_bytes(&mut self, memarg: &MemArg, addr: u32, bytes: &[u8]) -> Result<(), Trap> {
        let mem = self.memory_mut(memarg.memory)?;
        let ea = u64::from(addr).checked_add(memarg.offset).ok_or(Trap::MemoryOutOfBounds)?;
        let range = mem.range(ea, bytes.len() as u64).ok_or(Trap::MemoryOutOfBounds)?;
        mem.bytes[range].copy_from_slice(bytes);
        Ok(())
    }

    /// `memory.grow`: the old size in pages, or -1.
    pub fn memory_grow(&mut self, m: MemoryRef, delta: u32) -> Result<i32, Trap> {
        let limits = self.limits;
        let mem = self.memory_mut(m)?;
        Ok(mem.grow(u64::from(delta), &limits).map_or(-1, |old| old as u32 as i32))
    }

    /// `memory.fill`: `n` bytes at `dst` set to the low byte of `val`.
    pub fn memory_fill(&mut self, m: MemoryRef, dst: u32, val: u8, n: u32) -> Result<(), Trap> {
        let mem = self.memory_mut(m)?;
        let range = mem.range(u64::from(dst), u64::from(n)).ok_or(Trap::MemoryOutOfBounds)?;
        mem.bytes[range].fill(val);
        Ok(())
    }

    /// `memory.copy`: `n` bytes from `src` in `src_mem` to `dst` in
    /// `dst_mem`, as if through a temporary buffer (overlap allowed).
    pub fn memory_copy(
        &mut self,
        dst_mem: MemoryRef,
        src_mem: MemoryRef,
        dst: u32,
        src: u32,
        n: u32,
    ) -> Result<(), Trap> {
        let (dst, src, n) = (u64::from(dst), u64::from(src), u64::from(n));
        let src_range = self.memory(src_mem)?.range(src, n).ok_or(Trap::MemoryOutOfBounds)?;
        let dst_range = self.memory(dst_mem)?.range(dst, n).ok_or(Trap::MemoryOutOfBounds)?;
        if dst_mem == src_mem {
            self.memory_mut(dst_mem)?.bytes.copy_within(src_range, dst_range.start);
        } else {
            let tmp = self.memory(src_mem)?.bytes[src_range].to_vec();
            self.memory_mut(dst_mem)?.bytes[dst_range].copy_from_slice(&tmp);
        }
        Ok(())
    }

    /// `memory.init`: `n` bytes of data segment `data` from offset `src` to
    /// `dst`. A dropped segment has length 0.
    pub fn memory_init(&mut self, data: DataRef, m: MemoryRef, dst: u32, src: u32, n: u32) -> Result<(), Trap> {
        let seg = self.datas.get(&data).ok_or_else(|| Trap::malformed(format!("{data} is not in the state")))?;
        let bytes = seg.live_bytes();
        let src_end = u64::from(src) + u64::from(n);
        if src_end > bytes.len() as u64 {
            return Err(Trap::MemoryOutOfBounds);
        }
        let tmp = bytes[src as usize..src_end as usize].to_vec();
        let mem = self.memory_mut(m)?;
        let range = mem.range(u64::from(dst), u64::from(n)).ok_or(Trap::MemoryOutOfBounds)?;
        mem.bytes[range].copy_from_slice(&tmp);
        Ok(())
    }

    /// `data.drop`.
    pub fn data_drop(&mut self, data: DataRef) -> Result<(), Trap> {
        let seg = self.datas.get_mut(&data).ok_or_else(|| Trap::malformed(format!("{data} is not in the state")))?;
        seg.dropped = true;
        Ok(())
    }

    /// `table.get`: the element at `index`, or [`Trap::TableOutOfBounds`].
    pub fn table_get(&self, t: TableRef, index: u32) -> Result<Option<u32>, Trap> {
        self.table(t)?.elems.get(index as usize).copied().ok_or(Trap::TableOutOfBounds)
    }

    /// `table.set` of a reference of type `ty` (checked against the table).
    pub fn table_set(&mut self, t: TableRef, index: u32, ty: Type, r: Option<u32>) -> Result<(), Trap> {
        let table = self.table_mut(t)?;
        check_elem(t, table.elem, ty)?;
        let slot = table.elems.get_mut(index as usize).ok_or(Trap::TableOutOfBounds)?;
        *slot = r;
        Ok(())
    }

    /// `table.grow` by `n` elements set to `init`: the old size, or -1.
    pub fn table_grow(&mut self, t: TableRef, ty: Type, init: Option<u32>, n: u32) -> Result<i32, Trap> {
        let limits = self.limits;
        let table = self.table_mut(t)?;
        check_elem(t, table.elem, ty)?;
        Ok(table.grow(u64::from(n), init, &limits).map_or(-1, |old| old as u32 as i32))
    }

    /// `table.fill`: `n` elements from `index` set to `r`.
    pub fn table_fill(&mut self, t: TableRef, index: u32, ty: Type, r: Option<u32>, n: u32) -> Result<(), Trap> {
        let table = self.table_mut(t)?;
        check_elem(t, table.elem, ty)?;
        let range = table.range(u64::from(index), u64::from(n)).ok_or(Trap::TableOutOfBounds)?;
        table.elems[range].fill(r);
        Ok(())
    }

    /// `table.copy`: `n` elements from `src` in `src_t` to `dst` in `dst_t`
    /// (overlap allowed).
    pub fn table_copy(&mut self, dst_t: TableRef, src_t: TableRef, dst: u32, src: u32, n: u32) -> Result<(), Trap> {
        let (dst, src, n) = (u64::from(dst), u64::from(src), u64::from(n));
        let src_table = self.table(src_t)?;
        let src_elem = src_table.elem;
        let src_range = src_table.range(src, n).ok_or(Trap::TableOutOfBounds)?;
        let dst_table = self.table(dst_t)?;
        check_elem(dst_t, dst_table.elem, src_elem)?;
        let dst_range = dst_table.range(dst, n).ok_or(Trap::TableOutOfBounds)?;
        let tmp = self.table(src_t)?.elems[src_range].to_vec();
        self.table_mut(dst_t)?.elems[dst_range].copy_from_slice(&tmp);
        Ok(())
    }

    /// `table.init`: `n` references of element segment `elem` from offset
    /// `src` to `dst`. A dropped segment has length 0.
    pub fn table_init(&mut self, elem: ElemRef, t: TableRef, dst: u32, src: u32, n: u32) -> Result<(), Trap> {
        let seg = self.elems.get(&elem).ok_or_else(|| Trap::malformed(format!("{elem} is not in the state")))?;
        let seg_ty = seg.elem;
        let items = seg.live_items();
        let src_end = u64::from(src) + u64::from(n);
        if src_end > items.len() as u64 {
            return Err(Trap::TableOutOfBounds);
        }
        let tmp = items[src as usize..src_end as usize].to_vec();
        let table = self.table_mut(t)?;
        check_elem(t, table.elem, seg_ty)?;
        let range = table.range(u64::from(dst), u64::from(n)).ok_or(Trap::TableOutOfBounds)?;
        table.elems[range].copy_from_slice(&tmp);
        Ok(())
    }

    /// `elem.drop`.
    pub fn elem_drop(&mut self, elem: ElemRef) -> Result<(), Trap> {
        let seg = self.elems.get_mut(&elem).ok_or_else(|| Trap::malformed(format!("{elem} is not in the state")))?;
        seg.dropped = true;
        Ok(())
    }
}

fn check_elem(t: TableRef, table_ty: Type, ty: Type) -> Result<(), Trap> {
    if table_ty == ty { Ok(()) } else { Err(Trap::malformed(format!("{t} holds {table_ty}, not {ty}"))) }
}
