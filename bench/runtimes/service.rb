# The Ruby service of bench/runtimes.sh: a pool of THREADS threads (as in
# Puma or Sidekiq) serving REQUESTS requests between them. Each request
# builds strings of varied sizes (a rendered page, headers, a JSON-ish
# body), keeps some of them in its thread's cache (an LRU of fragments, as
# template and query caches do) and drops the rest. Then the caches are
# dropped and the GC runs (which frees, from whichever thread runs it, what
# every thread allocated) and the service idles, its threads waiting for
# work as a server's pool does.
#
# Protocol (bench/runtimes.py): prints "ready", waits for a line on stdin,
# works, prints "idle OPS BUSY_S", then waits for stdin to close.
THREADS = Integer(ARGV[0] || 16)
REQUESTS = Integer(ARGV[1] || 40_000)
CACHE = Integer(ARGV[2] || 1500)    # fragments each thread keeps

$stdout.sync = true
puts "ready"
$stdin.gets

queue = Queue.new
REQUESTS.times { |i| queue << i }
THREADS.times { queue << nil }
caches = Array.new(THREADS) { {} }
done = Queue.new
quit = Queue.new
t0 = Process.clock_gettime(Process::CLOCK_MONOTONIC)
Array.new(THREADS) do |n|
  Thread.new do
    cache = caches[n]
    rng = Random.new(n)
    while (i = queue.pop)
      size = 64 << rng.rand(11)                   # 64 B .. 64 KiB
      body = +""
      body << ("x" * (size / 4)) << i.to_s << ("y" * (size / 2))
      headers = Array.new(8) { |k| "X-Header-#{k}: #{'v' * rng.rand(200)}" }
      page = [body, headers.join("\r\n"), i.to_s * 10].join("\n")
      cache[i % (CACHE * 2)] = page if rng.rand(3) == 0   # kept, replacing an older one
      cache.delete(cache.keys.first) while cache.size > CACHE
    end
    done << n
    quit.pop                                    # the pool's threads stay, idle
  end
end
THREADS.times { done.pop }
busy = Process.clock_gettime(Process::CLOCK_MONOTONIC) - t0
caches.each(&:clear)
GC.start(full_mark: true, immediate_sweep: true)
puts "idle #{REQUESTS} #{busy.round(3)}"
$stdin.read
