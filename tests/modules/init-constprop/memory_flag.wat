;; A flag in linear memory at 1024, cleared by `_initialize`; the export's
;; other stores (a counter at 1028, a ring at 4096 + 4 * (n & 63)) miss it,
;; and the buffer it hands the host starts past it: the flag's load folds.
;; test module-pass init-constprop, sccp, simplify-cfg, dce
;; removed: nothing
;; changed: fn3
;; note: i32 cell mem0[1024..1028]: holds 0 after initialization; proved
;; check: (func $entry
;; not: i32.load offset=1024
;; not: i32.const -1
(module
  (import "$root" "[backpressure-dec]" (func $bp_dec))
  (import "corpus:p3/bytes" "[stream-read-0]in" (func $read (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "\01\00\00\00")
  (func (export "_initialize")
    (i32.store (i32.const 1024) (i32.const 0))
    (call $bp_dec))
  (func $entry (export "entry") (param $job i32) (result i32)
    (local $n i32)
    (if (i32.load (i32.const 1024)) (then (return (i32.const -1))))
    (local.set $n (i32.load (i32.const 1028)))
    (i32.store offset=4096 (i32.shl (i32.and (local.get $n) (i32.const 63)) (i32.const 2)) (local.get $job))
    (i32.store (i32.const 1028) (i32.add (local.get $n) (i32.const 1)))
    (call $read (local.get $job) (i32.const 8192) (i32.const 16))))
