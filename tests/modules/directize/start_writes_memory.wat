;; A start function with a long loop (it fills memory) does not stop the
;; proof of the table's contents: they hold at instantiation and every
;; function, the start function included, preserves them. The call's
;; index is one slot, so it becomes one direct call (and the table, no
;; longer used, goes with `$double`, which only its slot named).
;; test module-pass directize, module-dce
;; changed: fn3
;; removed: fn0 table0 elem0
;; probe-seeds: 0 1 2 5
;; check: br_table
;; not: call_indirect
(module
  (type $op (func (param i32) (result i32)))
  (memory 1)
  (table 2 funcref)
  (elem (i32.const 0) func $double $inc)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func $fill (local $i i32)
    (loop $l
      (i32.store (i32.shl (local.get $i) (i32.const 2)) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000)))))
  (start $fill)
  (func (export "apply") (param $k i32) (result i32)
    (i32.add
      (call_indirect (type $op) (local.get $k) (i32.const 1))
      (i32.load (i32.const 8)))))
