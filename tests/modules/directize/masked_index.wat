;; An op table no code writes: the index is masked to 0..3, so the call
;; reaches three functions (slot 2 is null and traps); it becomes a
;; br_table of direct calls, and then the table, its segment and the
;; function only the segment named (slot 4) go.
;; test module-pass directize, module-dce
;; changed: fn3
;; removed: fn2 table0 elem0 elem1
;; note: 1 indirect calls made direct
;; trap-kinds: ignored
;; probe-seeds: 0 1 2 3 7 -5
;; check: br_table
;; not: call_indirect
(module
  (type $op (func (param i32) (result i32)))
  (table 5 funcref)
  (elem (i32.const 0) func $double $inc)
  (elem (i32.const 3) func $double $never)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func $never (type $op) (i32.const 99))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 3)))))
