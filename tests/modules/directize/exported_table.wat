;; The table is exported: the host may write it, so the call stays
;; indirect.
;; test module-pass directize
;; changed: nothing
;; removed: nothing
(module
  (type $op (func (param i32) (result i32)))
  (table (export "t") 2 funcref)
  (elem (i32.const 0) func $double $inc)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 1)))))
