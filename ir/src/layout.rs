//! The layout: the order of blocks in a function and of instructions in a
//! block, as doubly linked lists over entity side tables.

use crate::entities::{Block, Inst};
use cranelift_entity::SecondaryMap;
use cranelift_entity::packed_option::PackedOption;

#[derive(Clone, Debug, Default)]
struct BlockNode {
    prev: PackedOption<Block>,
    next: PackedOption<Block>,
    first_inst: PackedOption<Inst>,
    last_inst: PackedOption<Inst>,
    inserted: bool,
}

#[derive(Clone, Debug, Default)]
struct InstNode {
    block: PackedOption<Block>,
    prev: PackedOption<Inst>,
    next: PackedOption<Inst>,
}

/// Order of blocks and instructions.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    blocks: SecondaryMap<Block, BlockNode>,
    insts: SecondaryMap<Inst, InstNode>,
    first_block: PackedOption<Block>,
    last_block: PackedOption<Block>,
}

impl Layout {
    /// An empty layout.
    pub fn new() -> Self {
        Self::default()
    }

    /// The first block: the function's entry.
    pub fn entry_block(&self) -> Option<Block> {
        self.first_block.expand()
    }

    /// The last block.
    pub fn last_block(&self) -> Option<Block> {
        self.last_block.expand()
    }

    /// Is `block` in the layout?
    pub fn is_block_inserted(&self, block: Block) -> bool {
        self.blocks[block].inserted
    }

    /// Appends `block` at the end.
    pub fn append_block(&mut self, block: Block) {
        assert!(!self.is_block_inserted(block), "{block} is already in the layout");
        let prev = self.last_block;
        {
            let node = &mut self.blocks[block];
            node.inserted = true;
            node.prev = prev;
            node.next = None.into();
        }
        match prev.expand() {
            Some(p) => self.blocks[p].next = block.into(),
            None => self.first_block = block.into(),
        }
        self.last_block = block.into();
    }

    /// Inserts `block` right after `after`.
    pub fn insert_block_after(&mut self, block: Block, after: Block) {
        assert!(!self.is_block_inserted(block), "{block} is already in the layout");
        assert!(self.is_block_inserted(after), "{after} is not in the layout");
        let next = self.blocks[after].next;
        {
            let node = &mut self.blocks[block];
            node.inserted = true;
            node.prev = after.into();
            node.next = next;
        }
        self.blocks[after].next = block.into();
        match next.expand() {
            Some(n) => self.blocks[n].prev = block.into(),
            None => self.last_block = block.into(),
        }
    }

    /// Inserts `block` right before `before`.
    pub fn insert_block_before(&mut self, block: Block, before: Block) {
        match self.blocks[before].prev.expand() {
            Some(p) => self.insert_block_after(block, p),
            None => {
                assert!(!self.is_block_inserted(block), "{block} is already in the layout");
                let node = &mut self.blocks[block];
                node.inserted = true;
                node.prev = None.into();
                node.next = before.into();
                self.blocks[before].prev = block.into();
                self.first_block = block.into();
            }
        }
    }

    /// Removes `block` (which must be empty of instructions) from the layout.
    pub fn remove_block(&mut self, block: Block) {
        assert!(self.is_block_inserted(block), "{block} is not in the layout");
        assert!(self.blocks[block].first_inst.is_none(), "{block} still has instructions");
        let BlockNode { prev, next, .. } = self.blocks[block].clone();
        match prev.expand() {
            Some(p) => self.blocks[p].next = next,
            None => self.first_block = next,
        }
        match next.expand() {
            Some(n) => self.blocks[n].prev = prev,
            None => self.last_block = prev,
        }
        self.blocks[block] = BlockNode::default();
    }

    /// Removes `block` and all its instructions from the layout.
    pub fn remove_block_and_insts(&mut self, block: Block) {
        while let Some(inst) = self.last_inst(block) {
            self.remove_inst(inst);
        }
        self.remove_block(block);
    }

    /// Blocks in layout order.
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks { layout: self, next: self.first_block.expand() }
    }

    /// The block after `block`.
    pub fn next_block(&self, block: Block) -> Option<Block> {
        self.blocks[block].next.expand()
    }

    /// The block before `block`.
    pub fn prev_block(&self, block: Block) -> Option<Block> {
        self.blocks[block].prev.expand()
    }

    /// The first instruction of `block`.
    pub fn first_inst(&self, block: Block) -> Option<Inst> {
        self.blocks[block].first_inst.expand()
    }

    /// The last instruction of `block`.
    pub fn last_inst(&self, block: Block) -> Option<Inst> {
        self.blocks[block].last_inst.expand()
    }

    /// The block containing `inst`, if it is in the layout.
    pub fn inst_block(&self, inst: Inst) -> Option<Block> {
        self.insts[inst].block.expand()
    }

    /// The instruction after `inst` in its block.
    pub fn next_inst(&self, inst: Inst) -> Option<Inst> {
        self.insts[inst].next.expand()
    }

    /// The instruction before `inst` in its block.
    pub fn prev_inst(&self, inst: Inst) -> Option<Inst> {
        self.insts[inst].prev.expand()
    }

    /// Instructions of `block` in order.
    pub fn block_insts(&self, block: Block) -> Insts<'_> {
        Insts { layout: self, next: self.first_inst(block) }
    }

    /// Appends `inst` at the end of `block`.
    pub fn append_inst(&mut self, inst: Inst, block: Block) {
        assert!(self.is_block_inserted(block), "{block} is not in the layout");
        assert!(self.insts[inst].block.is_none(), "{inst} is already in the layout");
        let last = self.blocks[block].last_inst;
        self.insts[inst] = InstNode { block: block.into(), prev: last, next: None.into() };
        match last.expand() {
            Some(l) => self.insts[l].next = inst.into(),
            None => self.blocks[block].first_inst = inst.into(),
        }
        self.blocks[block].last_inst = inst.into();
    }

    /// Inserts `inst` right before `before`.
    pub fn insert_inst(&mut self, inst: Inst, before: Inst) {
        assert!(self.insts[inst].block.is_none(), "{inst} is already in the layout");
        let block = self.inst_block(before).expect("insertion point is not in the layout");
        let prev = self.insts[before].prev;
        self.insts[inst] = InstNode { block: block.into(), prev, next: before.into() };
        self.insts[before].prev = inst.into();
        match prev.expand() {
            Some(p) => self.insts[p].next = inst.into(),
            None => self.blocks[block].first_inst = inst.into(),
        }
    }

    /// Removes `inst` from the layout (it stays in the DFG).
    pub fn remove_inst(&mut self, inst: Inst) {
        let InstNode { block, prev, next } = self.insts[inst].clone();
        let block = block.expect("instruction is not in the layout");
        match prev.expand() {
            Some(p) => self.insts[p].next = next,
            None => self.blocks[block].first_inst = next,
        }
        match next.expand() {
            Some(n) => self.insts[n].prev = prev,
            None => self.blocks[block].last_inst = prev,
        }
        self.insts[inst] = InstNode::default();
    }

    /// Splits `old_block` before `before`: `before` and every instruction
    /// after it move to `new_block`, which is inserted after `old_block`.
    pub fn split_block(&mut self, new_block: Block, before: Inst) {
        let old_block = self.inst_block(before).expect("split point is not in the layout");
        self.insert_block_after(new_block, old_block);
        let old_last = self.blocks[old_block].last_inst;
        let prev = self.insts[before].prev;
        match prev.expand() {
            Some(p) => self.insts[p].next = None.into(),
            None => self.blocks[old_block].first_inst = None.into(),
        }
        self.blocks[old_block].last_inst = prev;
        self.insts[before].prev = None.into();
        self.blocks[new_block].first_inst = before.into();
        self.blocks[new_block].last_inst = old_last;
        let mut cur = Some(before);
        while let Some(i) = cur {
            self.insts[i].block = new_block.into();
            cur = self.insts[i].next.expand();
        }
    }
}

/// Iterator over blocks in layout order.
pub struct Blocks<'a> {
    layout: &'a Layout,
    next: Option<Block>,
}

impl Iterator for Blocks<'_> {
    type Item = Block;
    fn next(&mut self) -> Option<Block> {
        let b = self.next?;
        self.next = self.layout.next_block(b);
        Some(b)
    }
}

/// Iterator over the instructions of a block.
pub struct Insts<'a> {
    layout: &'a Layout,
    next: Option<Inst>,
}

impl Iterator for Insts<'_> {
    type Item = Inst;
    fn next(&mut self) -> Option<Inst> {
        let i = self.next?;
        self.next = self.layout.next_inst(i);
        Some(i)
    }
}
