// A Go program exercising the runtime as real services do: goroutines over several threads,
// channels, sync primitives, timers, the garbage collector, os/signal, and a goroutine that spins without
// function calls (Go preempts it with SIGURG from its sysmon thread, which needs the guest to
// preempt the spinning thread first). Its output does not depend on scheduling.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

func main() {
	runtime.GOMAXPROCS(4)
	var wg sync.WaitGroup
	results := make(chan int, 16)
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results <- fib(15 + i%5)
		}(i)
	}
	wg.Wait()
	close(results)
	sum := 0
	for v := range results {
		sum += v
	}
	fmt.Println("goroutines:", sum)

	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := 0
	for i := 0; i < 4; i++ {
		go func() {
			mu.Lock()
			ready++
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	mu.Lock()
	for ready < 4 {
		cond.Wait()
	}
	mu.Unlock()
	fmt.Println("cond:", ready)

	t0 := time.Now()
	timer := time.NewTimer(30 * time.Millisecond)
	ticker := time.NewTicker(5 * time.Millisecond)
	ticks := 0
loop:
	for {
		select {
		case <-ticker.C:
			ticks++
		case <-timer.C:
			break loop
		}
	}
	ticker.Stop()
	fmt.Println("timers:", time.Since(t0) >= 30*time.Millisecond, ticks >= 2)

	var stop int32
	spun := make(chan bool)
	go func() {
		n := 0
		for atomic.LoadInt32(&stop) == 0 {
			n++
		}
		spun <- n > 0
	}()
	time.Sleep(20 * time.Millisecond)
	runtime.GC() // stops the world: needs the spinning goroutine preempted
	atomic.StoreInt32(&stop, 1)
	fmt.Println("spinner preempted for GC:", <-spun)

	keep := make([][]byte, 0, 512)
	for i := 0; i < 4096; i++ {
		b := make([]byte, 64<<10)
		b[0] = byte(i)
		if i%8 == 0 {
			keep = append(keep, b)
		}
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Println("gc:", len(keep), ms.NumGC > 0)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-sigs:
		fmt.Println("os/signal:", s)
	case <-time.After(5 * time.Second):
		fmt.Println("os/signal: nothing")
	}
	os.Exit(3)
}
