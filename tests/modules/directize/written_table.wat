;; The table is written by `table.set` in an export: its slots are not
;; known for the module's life, so the call stays indirect.
;; test module-pass directize
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 1 2 3
(module
  (type $op (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) func $double $inc)
  (elem declare func $inc)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func (export "swap") (param i32) (table.set (i32.const 0) (ref.func $inc)))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 1)))))
