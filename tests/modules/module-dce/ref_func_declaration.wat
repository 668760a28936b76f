;; `ref.func $f` in live code needs `$f` named outside function bodies. The
;; only item naming it is a global nobody reads: it stays (a declarative
;; segment naming `$f` would be kept instead; here there is none).
;; test module-pass module-dce
;; removed: fn2
;; check: (global $decl (;0;) funcref ref.func $f)
;; check: ref.func $f
;; not: $dead
(module
  (type $r (func (result i32)))
  (table $t 1 funcref)
  (global $decl funcref (ref.func $f))
  (func $main (export "main") (result i32)
    (table.set $t (i32.const 0) (ref.func $f))
    (call_indirect $t (type $r) (i32.const 0)))
  (func $f (result i32) (i32.const 5))
  (func $dead (result i32) (i32.const 6)))
