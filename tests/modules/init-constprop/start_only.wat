;; No `_initialize` export: the start function alone initializes. It reads
;; the flag before clearing it (that read stays: initialization is not
;; complete), and the export's read folds.
;; test module-pass init-constprop
;; removed: nothing
;; changed: fn2
;; note: global gv0: holds 0 after initialization; proved (from instantiation): established by 1 initialization function(s)
;; check: (func $start
;; check: global.get $flag
;; check: (func $entry
;; not: global.get $flag
(module
  (global $flag (mut i32) (i32.const 7))
  (global $seen (mut i32) (i32.const 0))
  (func $start
    (global.set $seen (global.get $flag))
    (global.set $flag (i32.const 0)))
  (start $start)
  (func (export "seen") (result i32) (global.get $seen))
  (func $entry (export "entry") (param i32) (result i32)
    (i32.add (local.get 0) (global.get $flag))))
