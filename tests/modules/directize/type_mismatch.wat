;; Slot 1 holds a function of another type: the call traps there, so its
;; arm is `unreachable`; slot 0 is called directly. An index of 2 or more
;; traps too.
;; test module-pass directize, module-dce
;; changed: fn2
;; removed: fn1 table0 sig1 elem0
;; trap-kinds: ignored
;; probe-seeds: 0 1 2 -1
;; check: br_table
;; not: call_indirect
(module
  (type $op (func (param i32) (result i32)))
  (type $other (func (param i64) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) func $double $wide)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $wide (type $other)
    (i32.wrap_i64 (i64.xor (i64.mul (local.get 0) (i64.const 0x100000001b3)) (i64.shr_u (local.get 0) (i64.const 29)))))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (local.get $k))))
