;; Must not transform: the offsets of these segments come from an imported
;; global, so they cannot be proved in bounds; both segments, the dead table
;; and memory they write, and the function stay.
;; test module-pass module-dce
;; removed: nothing
(module
  (import "env" "base" (global $base i32))
  (table $spare 4 funcref)
  (memory $scratch 1)
  (func $main (export "main") (result i32) (i32.const 0))
  (func $unused (result i32) (i32.const 3))
  (elem (table $spare) (global.get $base) func $unused)
  (data (memory $scratch) (global.get $base) "abc"))
