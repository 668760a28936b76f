;; With `remove-imports=true` an imported function nothing calls goes, and
;; every function index after it shifts (the call to `$log` included).
;; test module-pass module-dce<remove-imports=true>
;; removed: fn0 sig0
;; check: (import "env" "log" (func $log (;0;)
;; check: call $log
;; not: "unused"
(module
  (import "env" "unused" (func $unused (param i64)))
  (import "env" "log" (func $log (param i32)))
  (func $main (export "main") (param i32)
    (call $log (local.get 0))))
