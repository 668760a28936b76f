;; A table of 2000 elements is larger than the pass states to the checker:
;; not sealed, so the call stays indirect.
;; test module-pass directize
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 1
(module
  (type $op (func (param i32) (result i32)))
  (table 2000 funcref)
  (elem (i32.const 0) func $double)
  (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (i32.and (local.get $k) (i32.const 0)))))
