;; A table that `call_indirect` reads keeps every active segment writing it
;; and their functions. A dead table whose only segment provably writes
;; inside its initial size goes with that segment and its function.
;; test module-pass module-dce
;; removed: fn3 table1 elem1
;; check: (table $live (;0;) 2 funcref)
;; check: (elem (;0;) (table $live) (i32.const 0) func $one $two)
;; not: $spare
(module
  (type $r (func (result i32)))
  (table $live 2 funcref)
  (table $spare 8 funcref)
  (func $main (export "main") (param i32) (result i32)
    (call_indirect $live (type $r) (local.get 0)))
  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $unused (result i32) (i32.const 3))
  (elem (table $live) (i32.const 0) func $one $two)
  (elem (table $spare) (i32.const 7) func $unused))
