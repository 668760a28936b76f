;; Every event-producing intrinsic is imported: every event can reach the
;; callback, no test of the event is decided, and nothing changes.
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 1 2 3 4 5 6 7 -5
(module
  (import "t" "[async-lower]get" (func (param i32 i32) (result i32)))
  (import "t" "[stream-read-0]r" (func (param i32 i32 i32) (result i32)))
  (import "t" "[stream-write-0]w" (func (param i32 i32 i32) (result i32)))
  (import "t" "[future-read-0]r" (func (param i32 i32) (result i32)))
  (import "t" "[future-write-0]w" (func (param i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.mul (local.get 0) (local.get 1)))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on (i32.const 1) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on (i32.const 2) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on (i32.const 3) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 4)) (then (call $on (i32.const 4) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 5)) (then (call $on (i32.const 5) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on (i32.const 6) (local.get $p2))))
    (global.get $acc)))
