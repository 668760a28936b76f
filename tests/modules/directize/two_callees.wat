;; The call can reach both functions of the table and both are called
;; elsewhere: nothing would be freed, and a br_table of two direct calls is
;; larger than the call_indirect and no faster. Left alone.
;; test module-pass directize
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 1 2 3
(module
  (type $op (func (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) func $double $inc)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func (export "both") (param $k i32) (result i32)
    (i32.add (call $double (local.get $k)) (call $inc (local.get $k))))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 1)))))
