#!/usr/bin/python3
# Regenerates the tables of etcd34_replay_test.cc: replays a fixed sequence of KV requests
# against a fresh etcd 3.4 and prints each request's and response's raw protobuf (or the
# gRPC error) as C++ rows, then the responses of a watcher created before the first write.
# Needs python3-etcd3 (its generated etcdrpc messages) and python3-grpcio. The member ids in
# the test are those of:
#   etcd --data-dir <fresh dir> --listen-client-urls http://127.0.0.1:23791 \
#     --advertise-client-urls http://127.0.0.1:23791 --listen-peer-urls http://127.0.0.1:23801 \
#     --initial-advertise-peer-urls http://127.0.0.1:23801 \
#     --initial-cluster default=http://127.0.0.1:23801
# Usage: capture_etcd34.py [endpoint]   (default 127.0.0.1:23791)
import queue
import sys
import threading
import time

import grpc
from etcd3.etcdrpc import rpc_pb2 as pb
ch = grpc.insecure_channel(sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1:23791')
ident = lambda b: b
C = pb.Compare
def op_range(**kw): return pb.RequestOp(request_range=pb.RangeRequest(**kw))
def op_put(**kw): return pb.RequestOp(request_put=pb.PutRequest(**kw))
def op_del(**kw): return pb.RequestOp(request_delete_range=pb.DeleteRangeRequest(**kw))
def op_txn(t): return pb.RequestOp(request_txn=t)

steps = [
 ('Put', pb.PutRequest(key=b'g/a', value=b'1')),
 ('Put', pb.PutRequest(key=b'g/b', value=b'bee', lease=0)),
 ('Txn', pb.TxnRequest(
    compare=[C(key=b'g/a', target=C.VALUE, result=C.EQUAL, value=b'1')],
    success=[op_range(key=b'g/a'),
             op_txn(pb.TxnRequest(
                compare=[C(key=b'g/a', target=C.VERSION, result=C.GREATER, version=0)],
                success=[op_put(key=b'g/c', value=b'2', prev_kv=True),
                         op_txn(pb.TxnRequest(success=[op_range(key=b'g/', range_end=b'g0')])),
                         op_del(key=b'g/zz')],
                failure=[op_del(key=b'g/a')]))],
    failure=[op_put(key=b'g/never', value=b'x')])),
 ('Put', pb.PutRequest(key=b'g/a', value=b'xy', prev_kv=True)),
 ('Range', pb.RangeRequest(key=b'g/', range_end=b'g0', limit=1)),
 ('Range', pb.RangeRequest(key=b'g/', range_end=b'g0', sort_order=pb.RangeRequest.DESCEND,
                           sort_target=pb.RangeRequest.MOD, keys_only=True)),
 ('Range', pb.RangeRequest(key=b'g/', range_end=b'g0', count_only=True, revision=3)),
 # every compare target; the lease compare fails, so the failure branch runs
 ('Txn', pb.TxnRequest(
    compare=[C(key=b'g/a', target=C.VERSION, result=C.EQUAL, version=2),
             C(key=b'g/a', target=C.CREATE, result=C.LESS, create_revision=3),
             C(key=b'g/', range_end=b'g0', target=C.MOD, result=C.GREATER, mod_revision=1),
             C(key=b'g/b', target=C.VALUE, result=C.NOT_EQUAL, value=b'x'),
             C(key=b'g/a', target=C.LEASE, result=C.EQUAL, lease=7)],
    success=[op_put(key=b'g/never', value=b'x')],
    failure=[op_put(key=b'g/d', value=b'd'), op_del(key=b'g/b', prev_kv=True),
             op_range(key=b'g/', range_end=b'g0', revision=2)])),
 ('DeleteRange', pb.DeleteRangeRequest(key=b'g/', range_end=b'g0', prev_kv=True)),
 ('DeleteRange', pb.DeleteRangeRequest(key=b'g/nothing')),
 ('Put', pb.PutRequest(key=b'g/e', value=b'')),
 ('Compact', pb.CompactionRequest(revision=4)),
 ('Range', pb.RangeRequest(key=b'g/a', revision=3)),
 ('Range', pb.RangeRequest(key=b'g/a', revision=100)),
 ('Range', pb.RangeRequest(key=b'')),
 ('Put', pb.PutRequest(key=b'g/missing', ignore_value=True)),
 ('Put', pb.PutRequest(key=b'g/e', value=b'v', ignore_value=True)),
 ('Txn', pb.TxnRequest(success=[op_put(key=b'g/x', value=b'1'), op_put(key=b'g/x', value=b'2')])),
 ('Txn', pb.TxnRequest(success=[op_put(key=b'g/x', value=b'1'), pb.RequestOp()])),
]

# A watcher on g/ with prev_kv, created before the first write.
wq = queue.Queue()
w = ch.stream_stream('/etcdserverpb.Watch/Watch', request_serializer=lambda m: m.SerializeToString(), response_deserializer=ident)
stop = threading.Event()
def reqs():
    yield pb.WatchRequest(create_request=pb.WatchCreateRequest(key=b'g/', range_end=b'g0', prev_kv=True))
    stop.wait()
it = w(reqs())
created = next(it)
def pump():
    try:
        for r in it: wq.put(r)
    except Exception: pass
threading.Thread(target=pump, daemon=True).start()

def c_hex(b): return '"' + b.hex() + '"'
print('// created', created.hex())
for method, req in steps:
    svc = 'KV'
    f = ch.unary_unary('/etcdserverpb.%s/%s' % (svc, method), request_serializer=lambda m: m.SerializeToString(), response_deserializer=ident)
    reqb = req.SerializeToString()
    try:
        resp = f(req)
        print('    {"%s", %s, %s, "", ""},' % (method, c_hex(reqb), c_hex(resp)))
    except grpc.RpcError as e:
        print('    {"%s", %s, "", "%s", "%s"},' % (method, c_hex(reqb), e.code().name, e.details()))
time.sleep(1)
stop.set()
print('// watch')
while not wq.empty():
    print('    %s,' % c_hex(wq.get()))
it.cancel()
