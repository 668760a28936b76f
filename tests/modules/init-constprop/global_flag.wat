;; A private flag global, 1 at instantiation, cleared by `_initialize`
;; (which then reports to the host): every read after initialization
;; folds to 0, and the cleanups remove the refusal arm.
;; test module-pass init-constprop, sccp, simplify-cfg, dce
;; removed: nothing
;; changed: fn3
;; note: global gv0: holds 0 after initialization; proved
;; note: mirrors backpressure
;; note: fn3 (`entry`): 1 read(s) of global gv0 folded
;; check: (func $entry
;; not: global.get $busy
;; not: i32.const -1
(module
  (import "$root" "[backpressure-set]" (func $bp_set (param i32)))
  (import "env" "work" (func $work (param i32) (result i32)))
  (global $busy (mut i32) (i32.const 1))
  (func (export "_initialize")
    (global.set $busy (i32.const 0))
    (call $bp_set (i32.const 0)))
  (func $entry (export "entry") (param $job i32) (result i32)
    (if (global.get $busy) (then (return (i32.const -1))))
    (call $work (local.get $job))))
