;; The runtime dispatch function is also called by another export with an
;; argument the module does not know, and an exported classifier is called
;; by the callback: no fact holds for every call of either, so neither is
;; specialized (the callback has no test of its own to fold).
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 2 6 3 -5
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_subtask (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.const 1))))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (i32.add
      (call $dispatch (local.get $event) (local.get $p1) (local.get $p2))
      (call $classify (local.get $event))))
  (func $classify (export "classify") (param $event i32) (result i32)
    (if (result i32) (i32.eq (local.get $event) (i32.const 1)) (then (i32.const 10)) (else (i32.const 20))))
  (func $dispatch (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_stream_read (local.get $p1) (local.get $p2))))
    (global.get $acc))
  (func $other (export "other") (param $k i32) (result i32)
    (call $dispatch (local.get $k) (i32.const 5) (i32.const 6))))
