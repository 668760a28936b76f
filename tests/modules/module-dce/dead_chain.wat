;; Everything only dead code reaches goes: a chain of calls, a pair of
;; mutually recursive functions, the globals they use and their types.
;; test module-pass module-dce
;; removed: fn2 fn3 fn4 fn5 fn6 gv1 sig1 sig2
;; check: (func $main (;1;) (type 0) (param i32)
;; not: $a
;; not: $ping
(module
  (import "env" "h" (func $h (param i32)))
  (global $live (mut i32) (i32.const 0))
  (global $only_dead (mut i64) (i64.const 0))
  (func $main (export "main") (param i32)
    (global.set $live (local.get 0))
    (call $h (local.get 0)))
  (func $a (call $b))
  (func $b (call $c))
  (func $c (global.set $only_dead (i64.const 1)))
  (func $ping (param f64) (call $pong (local.get 0)))
  (func $pong (param f64) (call $ping (local.get 0))))
