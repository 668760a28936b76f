;; Must not transform: an imported function nothing calls stays by default
;; (removing it changes what instantiation requires); the start function and
;; everything exported stay with what they use.
;; test module-pass module-dce
;; removed: nothing
(module
  (import "env" "unused" (func $unused (param i32)))
  (import "env" "log" (func $log (param i32)))
  (global $g (export "g") (mut i32) (i32.const 1))
  (memory (export "mem") 1)
  (func $start (call $log (i32.const 1)))
  (func $main (export "main") (result i32) (global.get $g))
  (start $start))
