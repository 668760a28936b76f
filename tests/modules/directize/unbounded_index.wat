;; The index is unknown and the table has more than eight functions: the
;; call stays indirect (more direct calls than the pass makes).
;; test module-pass directize
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 3 8 9 -5
(module
  (type $op (func (param i32) (result i32)))
  (table 9 funcref)
  (elem (i32.const 0) func $f0 $f1 $f2 $f3 $f4 $f5 $f6 $f7 $f8)
  (func $f0 (type $op) (i32.add (local.get 0) (i32.const 0)))
  (func $f1 (type $op) (i32.add (local.get 0) (i32.const 1)))
  (func $f2 (type $op) (i32.add (local.get 0) (i32.const 2)))
  (func $f3 (type $op) (i32.add (local.get 0) (i32.const 3)))
  (func $f4 (type $op) (i32.add (local.get 0) (i32.const 4)))
  (func $f5 (type $op) (i32.add (local.get 0) (i32.const 5)))
  (func $f6 (type $op) (i32.add (local.get 0) (i32.const 6)))
  (func $f7 (type $op) (i32.add (local.get 0) (i32.const 7)))
  (func $f8 (type $op) (i32.add (local.get 0) (i32.const 8)))
  (func (export "apply") (param $k i32) (result i32)
    (call_indirect (type $op) (i32.const 20) (local.get $k))))
