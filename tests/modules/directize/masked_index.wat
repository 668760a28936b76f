;; An op table no code writes: the index is masked to 0..3, so the call
;; reaches two functions (slot 2 is null and traps); it is the table's
;; only use, and slot 4's function, named by nothing else, is larger than
;; the rewrite: the call becomes a br_table of direct calls, and then the
;; table, its segments and that function go.
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
  (func $never (type $op)
    (local $i i32) (local $x i32)
    (local.set $x (local.get 0))
    (loop $l
      (local.set $x (i32.xor (i32.mul (local.get $x) (i32.const 0x01000193)) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 16))))
    (local.get $x))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 3)))))
