// The Java service of bench/runtimes.sh: THREADS threads compressing and
// decompressing varied buffers with java.util.zip (zlib's state is native
// memory, malloc'd by the thread that creates the Deflater or Inflater and
// freed by whoever calls end(), or by the JVM's Cleaner thread once the
// object is unreachable) and using direct buffers (native memory too). Each
// thread keeps some streams open and some buffers, as a connection pool
// with per-connection compression does; then everything is released, a GC
// runs and the Cleaner frees what was not ended, and the service idles, its
// threads waiting for work as a server's pool does.
//
// Protocol (bench/runtimes.py): prints "ready", waits for a line on stdin,
// works, prints "idle OPS BUSY_S", then waits for stdin to close.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

public class Service {
    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int ops = args.length > 1 ? Integer.parseInt(args[1]) : 20000;
        int keep = args.length > 2 ? Integer.parseInt(args[2]) : 60;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        System.out.println("ready");
        System.out.flush();
        in.readLine();

        List<List<Object>> held = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(threads), quit = new CountDownLatch(1);
        Thread[] pool = new Thread[threads];
        long t0 = System.nanoTime();
        for (int n = 0; n < threads; n++) {
            List<Object> mine = new ArrayList<>();
            held.add(mine);
            final int seed = n;
            pool[n] = new Thread(() -> {
                work(seed, ops / threads, keep, mine);
                done.countDown();
                try {
                    quit.await();                       // the pool's threads stay, idle
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            pool[n].setDaemon(true);
            pool[n].start();
        }
        done.await();
        double busy = (System.nanoTime() - t0) / 1e9;
        // release: the open streams are dropped, not ended (the Cleaner ends them)
        for (List<Object> mine : held)
            mine.clear();
        held = null;
        System.gc();
        System.gc();
        System.out.printf("idle %d %.3f%n", ops, busy);
        System.out.flush();
        while (in.read() >= 0)
            ;
    }

    static void work(int seed, int ops, int keep, List<Object> mine) {
        Random rng = new Random(seed);
        byte[] out = new byte[1 << 17];
        for (int i = 0; i < ops; i++) {
            int size = 256 << rng.nextInt(9);           // 256 B .. 64 KiB
            byte[] data = new byte[size];
            for (int k = 0; k < size; k += 64)
                data[k] = (byte) rng.nextInt(16);
            Deflater d = new Deflater(1 + rng.nextInt(9));
            d.setInput(data);
            d.finish();
            int len = d.deflate(out);
            Inflater inf = new Inflater();
            inf.setInput(out, 0, len);
            try {
                inf.inflate(new byte[size]);
            } catch (java.util.zip.DataFormatException e) {
                throw new RuntimeException(e);
            }
            ByteBuffer direct = ByteBuffer.allocateDirect(size);
            direct.put(data, 0, size);
            if (rng.nextInt(4) == 0) {                 // kept: a pooled connection's streams
                mine.add(d);
                mine.add(inf);
                mine.add(direct);
                if (mine.size() > keep * 3) {
                    for (int k = 0; k < 3; k++) {
                        Object o = mine.remove(0);
                        if (o instanceof Deflater)
                            ((Deflater) o).end();
                        else if (o instanceof Inflater)
                            ((Inflater) o).end();
                    }
                }
            } else {
                d.end();
                inf.end();
            }
        }
    }
}
