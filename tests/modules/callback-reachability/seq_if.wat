;; A callback testing the event with sequential `if`s, one handler per
;; event; the only event-producing import is a stream read, so the events
;; are {0, 2, 6}: the tests for 1, 3, 4, 5 are decided, their arms go, and
;; module-dce removes the four handlers nothing calls any more.
;; test module-pass callback-reachability, module-dce
;; changed: fn7
;; removed: fn1 fn3 fn4 fn5
;; note: callback `[callback][async-lift]t#f` (function 7): specialized under event ∈ {none (0), stream-read (2), task-cancelled (6)}
;; probe-seeds: 0 2 6
;; not: $on_subtask
;; not: $on_future_read
;; check: $on_stream_read
;; check: $on_cancel
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_subtask (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.const 1))))
  (func $on_stream_read (param i32 i32) (global.set $acc (i32.add (global.get $acc) (local.get 1))))
  (func $on_stream_write (param i32 i32) (global.set $acc (i32.xor (global.get $acc) (local.get 0))))
  (func $on_future_read (param i32 i32) (global.set $acc (i32.const 4)))
  (func $on_future_write (param i32 i32) (global.set $acc (i32.const 5)))
  (func $on_cancel (param i32 i32) (global.set $acc (i32.const -1)))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_stream_read (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on_stream_write (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 4)) (then (call $on_future_read (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 5)) (then (call $on_future_write (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on_cancel (local.get $p1) (local.get $p2))))
    (i32.add (global.get $acc) (local.get $event))))
