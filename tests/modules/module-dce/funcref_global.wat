;; A dead function sits before one that only a funcref global names (the
;; shape Loom miscompiled): it goes, and the global's `ref.func` follows the
;; renumbering (checked by name here, by execution and by the module check).
;; test module-pass module-dce
;; removed: fn1 sig1
;; check: (global $fp (;0;) funcref ref.func $late)
;; check: (func $late (;1;)
;; not: $dead
(module
  (type $r (func (result i32)))
  (table $t 1 funcref)
  (global $fp funcref (ref.func $late))
  (func $run (export "run") (result i32)
    (table.set $t (i32.const 0) (global.get $fp))
    (call_indirect $t (type $r) (i32.const 0)))
  (func $dead (param i64))
  (func $late (result i32) (i32.const 42)))
