;; A fused module: the callback is no longer exported, and a trampoline
;; drives it with the event word it loads from the poll record. The only
;; event-creating import is a stream read, so the word is one of {0, 2, 6}:
;; the callback's SUBTASK arm and its handler go.
;; test module-pass callback-reachability, module-dce
;; changed: fn4
;; removed: fn3
;; note: is taken as an event in {none (0), stream-read (2), task-cancelled (6)}
;; note: called only with param v0 ∈ {0, 2, 6}
;; probe-seeds: 0 1 2
(module
  (import "t" "[stream-read-0]s" (func $read (param i32 i32 i32) (result i32)))
  (import "$root" "[waitable-set-poll]" (func $poll (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on_read (param i32) (global.set $acc (i32.add (global.get $acc) (local.get 0))))
  (func $on_subtask (param i32) (global.set $acc (i32.mul (global.get $acc) (local.get 0))))
  (func $callback (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_read (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on_subtask (local.get $p1))))
    (i32.const 0))
  (func (export "drive") (param $set i32) (result i32)
    (drop (call $poll (local.get $set) (i32.const 0)))
    (call $callback (i32.load (i32.const 0)) (i32.load offset=4 (i32.const 0)) (i32.load offset=8 (i32.const 0)))))
