;; Must not transform: the dead table's segment writes past its initial
;; size, so instantiation traps; removing it would make instantiation
;; succeed. The segment, its table and its function stay.
;; test module-pass module-dce
;; removed: nothing
(module
  (table $spare 2 funcref)
  (func $main (export "main") (result i32) (i32.const 0))
  (func $unused (result i32) (i32.const 3))
  (elem (table $spare) (i32.const 2) func $unused))
