// The hnswlib row of the k-NN benchmark: Debian's hnswlib headers compiled
// for this CPU (-O3 -march=native). Same protocol as `laiondb bench knn`:
// inner product, M and ef_construction as given, build on --threads
// threads, search one query at a time on one thread, recall@k against
// gt.npy. Prints one JSON line per ef.
//
// Each ef's queries run `runs` times; the fastest pass is reported.
//
// usage: hnswlib_bench DIR [k M ef_construction threads ef,ef,... runs]
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sys/resource.h>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

struct Array {
    std::string descr;
    size_t rows = 0, cols = 0;
    std::vector<char> data;
};

static Array readNpy(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    char pre[8];
    f.read(pre, 8);
    if (std::memcmp(pre, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not npy");
    uint32_t hlen = 0;
    if (pre[6] == 1) {
        uint16_t h;
        f.read(reinterpret_cast<char*>(&h), 2);
        hlen = h;
    } else {
        f.read(reinterpret_cast<char*>(&hlen), 4);
    }
    std::string hdr(hlen, ' ');
    f.read(&hdr[0], hlen);
    Array a;
    auto d = hdr.find("'descr': '");
    a.descr = hdr.substr(d + 10, hdr.find('\'', d + 10) - d - 10);
    if (hdr.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": only C order is supported");
    auto s = hdr.find("'shape': (");
    std::sscanf(hdr.c_str() + s + 10, "%zu, %zu", &a.rows, &a.cols);
    size_t es = a.descr == "<f2" ? 2 : (a.descr == "<f4" || a.descr == "<i4") ? 4 : 8;
    a.data.resize(a.rows * a.cols * es);
    f.read(a.data.data(), a.data.size());
    if (!f) throw std::runtime_error(path + ": truncated");
    return a;
}

static float halfToFloat(uint16_t h) {
    uint32_t sign = uint32_t(h >> 15) << 31, exp = (h >> 10) & 0x1f, mant = h & 0x3ff, bits;
    if (exp == 0 && mant == 0) {
        bits = sign;
    } else if (exp == 0) {
        float v = std::ldexp(float(mant), -24);
        return sign ? -v : v;
    } else if (exp == 31) {
        bits = sign | 0x7f800000 | (mant << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

static std::vector<float> floats(const Array& a) {
    std::vector<float> out(a.rows * a.cols);
    if (a.descr == "<f2") {
        const uint16_t* p = reinterpret_cast<const uint16_t*>(a.data.data());
        for (size_t i = 0; i < out.size(); i++) out[i] = halfToFloat(p[i]);
    } else if (a.descr == "<f4") {
        std::memcpy(out.data(), a.data.data(), out.size() * 4);
    } else {
        throw std::runtime_error("vectors must be <f2 or <f4, not " + a.descr);
    }
    return out;
}

static long rssBytes() {
    std::ifstream f("/proc/self/statm");
    long size = 0, res = 0;
    f >> size >> res;
    return res * 4096;
}

static double cpuSeconds() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double threadCPUSeconds() {
    rusage ru{};
    getrusage(RUSAGE_THREAD, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: hnswlib_bench DIR [k M ef_construction threads ef,ef,... runs]\n";
        return 2;
    }
    std::string dir = argv[1];
    size_t k = argc > 2 ? std::stoul(argv[2]) : 10;
    size_t M = argc > 3 ? std::stoul(argv[3]) : 16;
    size_t efc = argc > 4 ? std::stoul(argv[4]) : 200;
    int threads = argc > 5 ? std::stoi(argv[5]) : 2;
    std::string efs = argc > 6 ? argv[6] : "10,16,24,32,48,64,96,128,192,256,384,512";
    int runs = argc > 7 ? std::stoi(argv[7]) : 3;
    try {
        std::vector<float> base, queries;
        size_t n, nq, dim;
        {
            Array b = readNpy(dir + "/base.npy"), q = readNpy(dir + "/queries.npy");
            base = floats(b);
            queries = floats(q);
            n = b.rows;
            dim = b.cols;
            nq = q.rows;
        }
        Array g = readNpy(dir + "/gt.npy");
        if (g.descr != "<i8" || g.rows != nq || g.cols < k) throw std::runtime_error("gt.npy must be <i8 (nq, >=k)");
        const int64_t* gt = reinterpret_cast<const int64_t*>(g.data.data());

        long r0 = rssBytes();
        double c0 = cpuSeconds();
        auto t0 = std::chrono::steady_clock::now();
        hnswlib::InnerProductSpace space(dim);
        auto* index = new hnswlib::HierarchicalNSW<float>(&space, n, M, efc, 100);
        std::atomic<size_t> next{0};
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; t++) {
            pool.emplace_back([&] {
                for (size_t i; (i = next.fetch_add(1)) < n;) index->addPoint(base.data() + i * dim, i);
            });
        }
        for (auto& t : pool) t.join();
        double build = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        double buildCPU = cpuSeconds() - c0;
        long r1 = rssBytes();

        std::stringstream ss(efs);
        for (std::string tok; std::getline(ss, tok, ',');) {
            size_t ef = std::stoul(tok);
            index->setEf(ef);
            size_t hits = 0;
            std::vector<std::vector<size_t>> got(nq);
            double best = 0, bestCPU = 0;
            for (int r = 0; r < runs; r++) {
                for (auto& g : got) g.clear();
                double c0 = threadCPUSeconds();
                auto s0 = std::chrono::steady_clock::now();
                for (size_t i = 0; i < nq; i++) {
                    auto res = index->searchKnn(queries.data() + i * dim, k);
                    while (!res.empty()) {
                        got[i].push_back(res.top().second);
                        res.pop();
                    }
                }
                double qs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
                double cpu = threadCPUSeconds() - c0;
                if (nq / qs > best) {
                    best = nq / qs;
                    bestCPU = cpu > 0 ? nq / cpu : 0;
                }
            }
            for (size_t i = 0; i < nq; i++) {
                std::set<int64_t> want(gt + i * g.cols, gt + i * g.cols + k);
                for (size_t id : got[i]) hits += want.count(int64_t(id));
            }
            std::printf(
                "{\"index\":\"hnswlib\",\"ef\":%zu,\"k\":%zu,\"recall\":%.6f,\"qps\":%.1f,\"qps_cpu\":%.1f,\"build_s\":%.3f,"
                "\"build_vps\":%.1f,\"build_cpu_s\":%.3f,\"bytes_per_vector\":%.1f,\"threads\":%d,\"n\":%zu,\"dim\":%zu}\n",
                ef, k, double(hits) / double(nq * k), best, bestCPU, build, n / build, buildCPU, double(r1 - r0) / n, threads, n, dim);
            std::fflush(stdout);
        }
        delete index;
    } catch (const std::exception& e) {
        std::cerr << "hnswlib_bench: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
