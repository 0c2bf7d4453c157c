#!/usr/bin/env python3
"""Generate otwatch's attack test captures with real client and server libraries.

Runs (as root) a small plant on loopback, every host on its own 127.0.1.x address:

    127.0.1.10:502    Modbus/TCP PLC        pymodbus server (unit 1)
    127.0.1.20:44818  EtherNet/IP/CIP PLC   cpppo.server.enip (Logix-like tags)
    127.0.1.30:4840   OPC UA server         asyncua (None + Basic256Sha256/Sign)
    127.0.1.100       HMI                   polls all three PLCs every second
    127.0.1.101       engineering station   writes one register / one CIP tag now and then
    127.0.1.200       new host (attacker)

and records three captures with tcpdump on `lo`:

    learn.pcap               normal operation only
    attack-new-client.pcap   HMI polling + attack actions from 127.0.1.200
    attack-known-hmi.pcap    HMI polling, then attack actions from the HMI itself

For each attack capture it writes <capture>.truth.jsonl, one line per attacker
action, with the time of the action's first request packet read back with tshark.

Usage (root):  python make.py [--only NAME ...] [--learn-seconds N] [--no-netns]
               python make.py verify      # re-run the tshark checks only

By default the script re-executes itself in a private network namespace
(`unshare --net`), so nothing else on the machine can add traffic to the
captures and the fixed ports (502, 4840, 44818) are always free.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

MB_PLC = ("127.0.1.10", 502)
CIP_PLC = ("127.0.1.20", 44818)
UA_PLC = ("127.0.1.30", 4840)
HMI = "127.0.1.100"
EWS = "127.0.1.101"
ATTACKER = "127.0.1.200"
UNIT = 1

UA_URL = f"opc.tcp://{UA_PLC[0]}:{UA_PLC[1]}/plant"
UA_NS_URI = "urn:otwatch:test-plant"
UA_NS = 2  # first namespace registered after ns 0 and 1
UA_VARS = ("Oven.Temperature", "Oven.Setpoint", "Line.Speed")
UA_OBJECT = "Oven"
UA_METHOD = "Oven.Reset"

CIP_TAGS = {"Oven_Temp": "REAL", "Oven_Setpoint": "REAL", "Line_Speed": "INT"}
CIP_ROUTE = "1/0"  # backplane port 1, slot 0, as for a ControlLogix

POLL_PERIOD = 1.0  # HMI polling period, seconds
ACTION_GAP = 3.0  # seconds between two attacker actions

CAPTURES = ("learn", "attack-new-client", "attack-known-hmi")

log = logging.getLogger("make")


# --------------------------------------------------------------------------
# Servers (each runs in its own child process: `make.py _serve KIND`)
# --------------------------------------------------------------------------


async def serve_modbus() -> None:
    from pymodbus.pdu.device import ModbusDeviceIdentification
    from pymodbus.simulator import DataType, SimData, SimDevice

    PipeliningModbusTcpServer = _pipelining_server_class()

    coils = [SimData(0, values=[True, False, True, True, False, False, True, False] * 2, datatype=DataType.BITS)]
    inputs = [SimData(0, values=[False] * 16, datatype=DataType.BITS)]
    # HR 0..19 process values (tenths of degrees etc.), HR 10 is the oven setpoint;
    # HR 100..103 status words.
    hr_vals = [1800 + i for i in range(10)] + [200] + [i * 7 for i in range(11, 20)]
    holding = [
        SimData(0, values=hr_vals, datatype=DataType.REGISTERS),
        SimData(20, values=[0] * 80, datatype=DataType.REGISTERS),
        SimData(100, values=[1, 0, 42, 7], datatype=DataType.REGISTERS),
    ]
    input_regs = [SimData(0, values=[0] * 16, datatype=DataType.REGISTERS)]
    device = SimDevice(UNIT, simdata=(coils, inputs, holding, input_regs))
    identity = ModbusDeviceIdentification(
        info_name={
            "VendorName": "otwatch test plant",
            "ProductCode": "OTW-PLC-1",
            "VendorUrl": "https://example.invalid/otwatch",
            "ProductName": "Oven line PLC",
            "ModelName": "pymodbus simulator",
            "MajorMinorRevision": "1.0",
        }
    )
    server = PipeliningModbusTcpServer(device, identity=identity, address=MB_PLC)
    await server.serve_forever()


def _pipelining_server_class():
    """pymodbus's ModbusTcpServer, with every request in a read answered.

    pymodbus 3.16's ServerRequestHandler decodes one frame per socket read and
    leaves any further bytes in its buffer until more data arrives, so of two
    requests that arrive together (pipelined, as a real PLC must accept) only the
    first is answered (cf. pymodbus issue #1949). This handler decodes every
    complete frame and answers them in order with pymodbus's own handle_request().
    """
    from collections import deque

    from pymodbus.exceptions import ModbusIOException
    from pymodbus.server import ModbusTcpServer
    from pymodbus.server.requesthandler import ServerRequestHandler
    from pymodbus.transaction import TransactionManager

    class PipeliningHandler(ServerRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pending: deque = deque()

        def callback_data(self, data: bytes, addr: tuple | None = None) -> int:
            used = 0
            while used < len(data):
                try:
                    n = TransactionManager.callback_data(self, data[used:], addr)
                except ModbusIOException:
                    return used + ServerRequestHandler.callback_data(self, data[used:], addr)
                if not n:
                    break
                used += n
                if self.last_pdu:
                    self._pending.append((self.last_pdu, self.last_addr))
                    if len(self._pending) == 1:
                        self.loop.call_soon(self.handle_later)
            return used

        async def handle_request(self):
            while self._pending:
                self.last_pdu, self.last_addr = self._pending[0]
                await ServerRequestHandler.handle_request(self)
                self._pending.popleft()

    class PipeliningModbusTcpServer(ModbusTcpServer):
        def callback_new_connection(self):
            return PipeliningHandler(self, self.trace_packet, self.trace_pdu, self.trace_connect)

    return PipeliningModbusTcpServer


async def serve_opcua(cert: str, key: str) -> None:
    from asyncua import Server, ua, uamethod

    server = Server()
    await server.init()
    server.set_endpoint(UA_URL)
    server.set_server_name("otwatch test plant OPC UA server")
    await server.set_application_uri("urn:otwatch:test-plant:server")
    server.set_security_policy(
        [ua.SecurityPolicyType.NoSecurity, ua.SecurityPolicyType.Basic256Sha256_Sign]
    )
    server.set_identity_tokens([ua.AnonymousIdentityToken, ua.UserNameIdentityToken])
    await server.load_certificate(cert)
    await server.load_private_key(key)
    idx = await server.register_namespace(UA_NS_URI)
    assert idx == UA_NS, idx
    oven = await server.nodes.objects.add_object(ua.NodeId(UA_OBJECT, idx), "Oven")
    initial = {"Oven.Temperature": 180.5, "Oven.Setpoint": 200.0, "Line.Speed": 120}
    for name in UA_VARS:
        value = initial[name]
        vtype = ua.VariantType.Int32 if isinstance(value, int) else ua.VariantType.Double
        var = await oven.add_variable(ua.NodeId(name, idx), name.split(".")[-1], value, varianttype=vtype)
        if name != "Oven.Temperature":
            await var.set_writable()

    @uamethod
    def reset(parent):
        return True

    await oven.add_method(ua.NodeId(UA_METHOD, idx), "Reset", reset, [], [ua.VariantType.Boolean])
    async with server:
        while True:
            await asyncio.sleep(3600)


# --------------------------------------------------------------------------
# Clients
# --------------------------------------------------------------------------


class Actions:
    """Attacker actions as they are performed (wall clock just before each request)."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, src, dst, protocol, action, detail, display_filter) -> None:
        self.items.append(
            dict(t0=time.time(), src=src, dst=dst, protocol=protocol, action=action,
                 detail=detail, filter=display_filter)
        )


# ---- Modbus (pymodbus) ----------------------------------------------------


def modbus_client(src: str):
    from pymodbus.client import AsyncModbusTcpClient

    return AsyncModbusTcpClient(MB_PLC[0], port=MB_PLC[1], source_address=(src, 0), timeout=3, retries=0)


async def modbus_poll_once(client) -> None:
    for rr in (
        await client.read_holding_registers(0, count=20, device_id=UNIT),
        await client.read_holding_registers(100, count=4, device_id=UNIT),
        await client.read_coils(0, count=8, device_id=UNIT),
    ):
        if rr.isError():
            raise RuntimeError(f"modbus poll failed: {rr}")


def mb_filter(fc: int, extra: str = "") -> str:
    f = f"modbus.func_code == {fc} && tcp.dstport == {MB_PLC[1]}"
    return f"{f} && {extra}" if extra else f


async def modbus_attacks(src: str, actions: Actions) -> None:
    """FC 5, 6, 15, 16, 8/1, 43/14 over one connection, ACTION_GAP seconds apart."""
    client = modbus_client(src)
    await client.connect()
    dst = MB_PLC[0]
    steps = [
        ("write_single_coil", {"unit": UNIT, "function_code": 5, "address": 3, "value": True},
         mb_filter(5), lambda: client.write_coil(3, True, device_id=UNIT)),
        ("write_single_register", {"unit": UNIT, "function_code": 6, "address": 10, "value": 999},
         mb_filter(6), lambda: client.write_register(10, 999, device_id=UNIT)),
        ("write_multiple_coils", {"unit": UNIT, "function_code": 15, "address": 0, "quantity": 8, "values": [True] * 8},
         mb_filter(15), lambda: client.write_coils(0, [True] * 8, device_id=UNIT)),
        ("write_multiple_registers", {"unit": UNIT, "function_code": 16, "address": 0, "quantity": 4, "values": [0, 0, 0, 0]},
         mb_filter(16), lambda: client.write_registers(0, [0, 0, 0, 0], device_id=UNIT)),
        ("restart_communications", {"unit": UNIT, "function_code": 8, "sub_function": 1, "data": 0},
         mb_filter(8, "modbus.diagnostic_code == 1"),
         lambda: client.diag_restart_communication(False, device_id=UNIT)),
        ("read_device_identification", {"unit": UNIT, "function_code": 43, "mei_type": 14, "read_device_id_code": 1, "object_id": 0},
         mb_filter(43, "modbus.mei == 14"),
         lambda: client.read_device_information(read_code=1, object_id=0, device_id=UNIT)),
    ]
    for action, detail, flt, call in steps:
        actions.add(src, dst, "modbus", action, detail, flt)
        rr = await call()
        if rr.isError():
            raise RuntimeError(f"{action} failed: {rr}")
        await asyncio.sleep(ACTION_GAP)
    client.close()


def modbus_pipelined_same_tid(src: str, actions: Actions) -> None:
    """A tool that always uses transaction id 0: two requests sent back to back
    (two TCP segments, same tid and unit) before either response is read."""
    reqs = [
        struct.pack(">HHHBBHH", 0, 0, 6, UNIT, 3, 0, 20),  # FC 3, HR 0, 20 registers
        struct.pack(">HHHBBHH", 0, 0, 6, UNIT, 1, 0, 8),  # FC 1, coil 0, 8 coils
    ]
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((src, 0))
    s.connect(MB_PLC)
    actions.add(src, MB_PLC[0], "modbus", "pipelined_duplicate_transaction_id",
                {"unit": UNIT, "transaction_id": 0,
                 "requests": [{"function_code": 3, "address": 0, "quantity": 20},
                              {"function_code": 1, "address": 0, "quantity": 8}],
                 "note": "raw MBAP over a socket: both requests (tid 0, unit 1) are sent, "
                         "each in its own TCP segment, before either response is read; "
                         "reads of the HMI's usual ranges, nothing is written"},
                f"mbtcp.trans_id == 0 && tcp.dstport == {MB_PLC[1]}")
    for r in reqs:
        s.sendall(r)
    s.settimeout(3)
    want = (9 + 40) + (9 + 1)  # MBAP+FC+bytecount+data for each response
    got = b""
    while len(got) < want:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
    s.close()
    if len(got) != want:
        raise RuntimeError(f"pipelined responses: got {len(got)} bytes, want {want}")


# ---- EtherNet/IP / CIP (pycomm3) ---------------------------------------------


def cip_client(src: str):
    """A pycomm3 CIPDriver whose TCP socket is bound to `src` before open()."""
    from pycomm3 import CIPDriver
    from pycomm3.socket_ import Socket

    drv = CIPDriver(f"{CIP_PLC[0]}/{CIP_ROUTE}")
    drv._sock = Socket(drv._cfg["socket_timeout"])  # open() keeps a preset socket
    drv._sock.sock.bind((src, 0))
    drv.open()
    return drv


def _tag_packet(drv, service: int, tag: str, request_data: bytes = b""):
    """A Read/Write Tag request wrapped in Unconnected Send (0x52), built by pycomm3.

    This is pycomm3's GenericUnconnectedRequestPacket with unconnected_send=True,
    i.e. what CIPDriver.generic_message(connected=False, unconnected_send=True)
    sends; the only change is the request path: a symbolic (ANSI extended) tag
    path from pycomm3's own tag_request_path() instead of class/instance/attribute,
    which is all generic_message can encode.
    """
    from pycomm3.cip import PADDED_EPATH
    from pycomm3.packets import GenericUnconnectedRequestPacket
    from pycomm3.packets.ethernetip import SendRRDataRequestPacket
    from pycomm3.packets.util import tag_request_path, wrap_unconnected_send

    class TagRequestUnconnectedSend(GenericUnconnectedRequestPacket):
        def _setup_message(self):
            SendRRDataRequestPacket._setup_message(self)
            path = tag_request_path(tag, {}, False)
            self._msg += [wrap_unconnected_send(b"".join((self.service, path, self.request_data)), self.route_path)]

    route = PADDED_EPATH.encode(drv._cfg["cip_path"], length=True, pad_length=True)
    return TagRequestUnconnectedSend(service=service, class_code=0, instance=0, request_data=request_data,
                                     route_path=route, unconnected_send=True)


def cip_read(drv, tag: str):
    from pycomm3.cip import INT, REAL, UINT

    resp = drv.send(_tag_packet(drv, 0x4C, tag, UINT.encode(1)))
    if not resp:
        raise RuntimeError(f"CIP read {tag} failed: {resp.error}")
    code = UINT.decode(resp.value[:2])
    return (REAL if code == REAL.code else INT).decode(resp.value[2:])


def cip_write(drv, tag: str, value) -> None:
    from pycomm3.cip import INT, REAL, UINT

    dtype = REAL if CIP_TAGS[tag] == "REAL" else INT
    data = UINT.encode(dtype.code) + UINT.encode(1) + dtype.encode(value)
    resp = drv.send(_tag_packet(drv, 0x4D, tag, data))
    if not resp:
        raise RuntimeError(f"CIP write {tag} failed: {resp.error}")


CIP_WRITE_FILTER = f"cip.sc == 0x52 && cip.sc == 0x4d && tcp.dstport == {CIP_PLC[1]}"


# ---- OPC UA (asyncua) ---------------------------------------------------


def ua_client(src: str, watchdog: float = 10.0):
    """An asyncua Client whose TCP connection is made from `src`."""
    from asyncua import Client
    from asyncua.client.ua_client import UaClientState

    client = Client(UA_URL, timeout=4, watchdog_intervall=watchdog)
    uac = client.uaclient

    async def connect_socket(host: str, port: int) -> None:  # UaClient.connect_socket + local_addr
        uac._set_state(UaClientState.CONNECTING)
        try:
            await asyncio.wait_for(
                asyncio.get_running_loop().create_connection(uac._make_protocol, host, port, local_addr=(src, 0)),
                uac._timeout,
            )
        except BaseException:
            uac._set_state(UaClientState.DISCONNECTED)
            raise
        uac._set_state(UaClientState.SOCKET_OPEN)

    uac.connect_socket = connect_socket
    return client


def ua_node(client, name: str):
    from asyncua import ua

    return client.get_node(ua.NodeId(name, UA_NS))


async def ua_poll_once(client) -> None:
    await client.read_values([ua_node(client, n) for n in UA_VARS])


async def opcua_attacks(src: str, actions: Actions) -> None:
    from asyncua import ua

    client = ua_client(src)
    await client.connect()  # SecurityPolicy None, anonymous
    dst = UA_PLC[0]
    node = ua_node(client, "Oven.Setpoint")
    actions.add(src, dst, "opcua", "opcua_write",
                {"node_id": f"ns={UA_NS};s=Oven.Setpoint", "namespace_uri": UA_NS_URI, "value": 999.0,
                 "type": "Double", "security_policy": "None", "identity": "anonymous"},
                f"opcua.servicenodeid.numeric == 673 && tcp.dstport == {UA_PLC[1]}")
    await node.write_value(ua.DataValue(ua.Variant(999.0, ua.VariantType.Double)))
    await asyncio.sleep(ACTION_GAP)
    actions.add(src, dst, "opcua", "opcua_call",
                {"object_id": f"ns={UA_NS};s={UA_OBJECT}", "method_id": f"ns={UA_NS};s={UA_METHOD}",
                 "method": "Reset", "namespace_uri": UA_NS_URI, "security_policy": "None", "identity": "anonymous"},
                f"opcua.servicenodeid.numeric == 712 && tcp.dstport == {UA_PLC[1]}")
    res = await ua_node(client, UA_OBJECT).call_method(ua_node(client, UA_METHOD))
    if res is not True:
        raise RuntimeError(f"Reset returned {res!r}")
    await client.disconnect()


async def opcua_security_change(src: str, actions: Actions, certdir: Path) -> None:
    from asyncua import ua
    from asyncua.crypto.security_policies import SecurityPolicyBasic256Sha256

    client = ua_client(src)
    client.application_uri = "urn:otwatch:test-plant:hmi"
    await client.set_security(
        SecurityPolicyBasic256Sha256,
        str(certdir / "client-cert.der"),
        str(certdir / "client-key.pem"),
        server_certificate=str(certdir / "server-cert.der"),
        mode=ua.MessageSecurityMode.Sign,
    )
    actions.add(src, UA_PLC[0], "opcua", "opcua_security_change",
                {"from": {"security_policy": "http://opcfoundation.org/UA/SecurityPolicy#None", "mode": "None"},
                 "to": {"security_policy": SecurityPolicyBasic256Sha256.URI, "mode": "Sign"},
                 "identity": "anonymous",
                 "note": "new connection; ts is the OpenSecureChannel request that names the new policy; "
                         "the session then reads the usual variables once and closes"},
                f'opcua.transport.type == "OPN" && opcua.security.spu contains "Basic256Sha256" '
                f"&& tcp.dstport == {UA_PLC[1]}")
    await client.connect()
    await ua_poll_once(client)
    await client.disconnect()


# ---- Hosts ---------------------------------------------------------------


async def hmi_poller(stop: asyncio.Event) -> None:
    """The HMI: persistent connections, every POLL_PERIOD s: Modbus FC 3 (HR 0..19,
    HR 100..103) and FC 1 (coils 0..7); CIP Read Tag x3 inside Unconnected Send;
    one OPC UA Read of three variables (SecurityPolicy None, anonymous)."""
    mb = modbus_client(HMI)
    await mb.connect()
    cip = await asyncio.to_thread(cip_client, HMI)
    ua_c = ua_client(HMI)
    await ua_c.connect()
    loop = asyncio.get_running_loop()
    next_t = loop.time()
    while not stop.is_set():
        await modbus_poll_once(mb)
        for tag in CIP_TAGS:
            await asyncio.to_thread(cip_read, cip, tag)
        await ua_poll_once(ua_c)
        next_t += POLL_PERIOD
        try:
            await asyncio.wait_for(stop.wait(), max(0.0, next_t - loop.time()))
        except asyncio.TimeoutError:
            pass
    await ua_c.disconnect()
    await asyncio.to_thread(cip.close)
    mb.close()


async def ews_write(k: int) -> None:
    """The engineering workstation: one FC 6 write of HR 10 and one CIP Write Tag
    of Oven_Setpoint (Unconnected Send), each on a short connection of its own."""
    mb = modbus_client(EWS)
    await mb.connect()
    rr = await mb.write_register(10, 200 + k, device_id=UNIT)
    if rr.isError():
        raise RuntimeError(f"EWS write failed: {rr}")
    mb.close()
    await asyncio.sleep(1.0)

    def cip_part():
        drv = cip_client(EWS)
        cip_write(drv, "Oven_Setpoint", 200.0 + k)
        drv.close()

    await asyncio.to_thread(cip_part)


async def scenario_learn(certdir: Path, seconds: float) -> Actions:
    stop = asyncio.Event()
    hmi = asyncio.create_task(hmi_poller(stop))
    t0 = time.monotonic()
    ews_times = [15.0 + 40.0 * i for i in range(int(max(0.0, seconds - 20.0) // 40.0) + 1)]
    for k, t in enumerate(ews_times):
        await asyncio.sleep(max(0.0, t0 + t - time.monotonic()))
        await ews_write(k)
    await asyncio.sleep(max(0.0, t0 + seconds - time.monotonic()))
    stop.set()
    await hmi
    return Actions()


async def run_attacks(src: str, actions: Actions) -> None:
    await modbus_attacks(src, actions)

    def cip_part():
        drv = cip_client(src)
        actions.add(src, CIP_PLC[0], "cip", "cip_write_tag",
                    {"tag": "Oven_Setpoint", "type": "REAL", "value": 999.0, "service": "0x4D Write Tag",
                     "carried_in": "0x52 Unconnected Send", "route_path": CIP_ROUTE},
                    CIP_WRITE_FILTER)
        cip_write(drv, "Oven_Setpoint", 999.0)
        drv.close()

    await asyncio.to_thread(cip_part)
    await asyncio.sleep(ACTION_GAP)
    await opcua_attacks(src, actions)
    await asyncio.sleep(ACTION_GAP)


async def scenario_new_client(certdir: Path, seconds: float) -> Actions:
    actions = Actions()
    stop = asyncio.Event()
    hmi = asyncio.create_task(hmi_poller(stop))
    await asyncio.sleep(5.0)
    await run_attacks(ATTACKER, actions)
    await asyncio.to_thread(modbus_pipelined_same_tid, ATTACKER, actions)
    await asyncio.sleep(5.0)
    stop.set()
    await hmi
    return actions


async def scenario_known_hmi(certdir: Path, seconds: float) -> Actions:
    actions = Actions()
    stop = asyncio.Event()
    hmi = asyncio.create_task(hmi_poller(stop))
    await asyncio.sleep(30.0)
    await run_attacks(HMI, actions)
    await opcua_security_change(HMI, actions, certdir)
    await asyncio.sleep(5.0)
    stop.set()
    await hmi
    return actions


SCENARIOS = {
    "learn": scenario_learn,
    "attack-new-client": scenario_new_client,
    "attack-known-hmi": scenario_known_hmi,
}


# --------------------------------------------------------------------------
# Orchestration
# --------------------------------------------------------------------------


def wait_port(addr: tuple[str, int], timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with socket.create_connection(addr, timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server {addr} did not start")


class Servers:
    def __init__(self, workdir: Path, certdir: Path) -> None:
        self.workdir, self.certdir = workdir, certdir
        self.procs: list[subprocess.Popen] = []

    def __enter__(self):
        py = sys.executable
        logf = open(self.workdir / "servers.log", "ab")
        self.procs.append(subprocess.Popen([py, __file__, "_serve", "modbus"], stdout=logf, stderr=logf))
        self.procs.append(subprocess.Popen(
            [py, "-m", "cpppo.server.enip", "--no-udp", "--no-config", "--address", f"{CIP_PLC[0]}:{CIP_PLC[1]}",
             *[f"{t}={ty}" for t, ty in CIP_TAGS.items()]],
            stdout=logf, stderr=logf, cwd=self.workdir))
        self.procs.append(subprocess.Popen(
            [py, __file__, "_serve", "opcua", str(self.certdir / "server-cert.der"),
             str(self.certdir / "server-key.pem")], stdout=logf, stderr=logf))
        for addr in (MB_PLC, CIP_PLC, UA_PLC):
            wait_port(addr)
        time.sleep(1.0)
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            p.send_signal(signal.SIGINT)
        for p in self.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


class Tcpdump:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self):
        self.err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            ["tcpdump", "-i", "lo", "-n", "-s", "65535", "-U", "-w", str(self.path), "net", "127.0.1.0/24"],
            stdout=subprocess.DEVNULL, stderr=self.err)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            self.err.seek(0)
            if b"listening on" in self.err.read():
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("tcpdump did not start")
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        time.sleep(1.5)  # let FIN/ACKs through
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(10)
        self.err.seek(0)
        log.info("tcpdump: %s", self.err.read().decode().strip().replace("\n", "; "))


def fix_tcp_checksums(path: Path) -> int:
    """Linux's lo leaves TCP checksums partial (tx-checksum-ip-generic is [fixed]
    on lo), so tcpdump records bad TCP checksums; fill in the real ones. Only the
    16-bit TCP checksum field of each IPv4/TCP packet is rewritten."""

    def csum(data: bytes) -> int:
        if len(data) % 2:
            data += b"\0"
        s = sum(struct.unpack(f"!{len(data) // 2}H", data))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        return ~s & 0xFFFF

    buf = bytearray(path.read_bytes())
    magic = buf[:4]
    e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack_from(e + "I", buf, 20)[0]
    if linktype != 1:
        raise RuntimeError(f"unexpected link type {linktype}")
    off, fixed = 24, 0
    while off + 16 <= len(buf):
        incl = struct.unpack_from(e + "I", buf, off + 8)[0]
        p = off + 16
        off = p + incl
        if incl < 34 or buf[p + 12:p + 14] != b"\x08\x00":
            continue
        ip = p + 14
        ihl = (buf[ip] & 0x0F) * 4
        total = struct.unpack_from("!H", buf, ip + 2)[0]
        if buf[ip + 9] != 6 or ip + total > off:
            continue
        tcp = ip + ihl
        seg = bytes(buf[tcp:ip + total])
        seg = seg[:16] + b"\0\0" + seg[18:]
        pseudo = bytes(buf[ip + 12:ip + 20]) + struct.pack("!BBH", 0, 6, len(seg))
        struct.pack_into("!H", buf, tcp + 16, csum(pseudo + seg))
        fixed += 1
    path.write_bytes(bytes(buf))
    return fixed


def tshark(pcap: Path, display_filter: str, fields: list[str]) -> list[list[str]]:
    cmd = ["tshark", "-n", "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
           "-r", str(pcap), "-Y", display_filter, "-T", "fields", "-E", "separator=\t"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line.strip()]


def write_truth(pcap: Path, actions: Actions) -> Path:
    truth = pcap.with_suffix(".truth.jsonl")
    lines = []
    for a in actions.items:
        flt = (f"({a['filter']}) && ip.src == {a['src']} && ip.dst == {a['dst']} "
               f"&& frame.time_epoch >= {a['t0'] - 0.05:.6f}")
        rows = tshark(pcap, flt, ["frame.time_epoch", "frame.number"])
        if not rows:
            raise RuntimeError(f"{pcap.name}: no packet for {a['action']} ({flt})")
        ts, frame = float(rows[0][0]), int(rows[0][1])
        lines.append(json.dumps({"ts": round(ts, 6), "src": a["src"], "dst": a["dst"], "protocol": a["protocol"],
                                 "action": a["action"], "detail": a["detail"], "frame": frame}))
    truth.write_text("\n".join(lines) + "\n")
    return truth


def make_certs(certdir: Path) -> None:
    """Throwaway self-signed certificates (asyncua's cert_gen helpers)."""
    from asyncua.crypto.cert_gen import (dump_private_key_as_pem, generate_private_key,
                                         generate_self_signed_app_certificate)
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import ExtendedKeyUsageOID

    for who, uri, host, use in (
        ("server", "urn:otwatch:test-plant:server", UA_PLC[0], ExtendedKeyUsageOID.SERVER_AUTH),
        ("client", "urn:otwatch:test-plant:hmi", HMI, ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        key = generate_private_key()
        import ipaddress
        cert = generate_self_signed_app_certificate(
            key, f"otwatch test {who}", {"organizationName": "otwatch test plant"},
            [x509.UniformResourceIdentifier(uri), x509.IPAddress(ipaddress.ip_address(host))],
            [use], days=30)
        (certdir / f"{who}-key.pem").write_bytes(dump_private_key_as_pem(key))
        (certdir / f"{who}-cert.der").write_bytes(cert.public_bytes(Encoding.DER))


def record(name: str, workdir: Path, certdir: Path, learn_seconds: float) -> None:
    pcap = HERE / f"{name}.pcap"
    log.info("== %s", pcap.name)
    with Servers(workdir, certdir):
        with Tcpdump(pcap):
            actions = asyncio.run(SCENARIOS[name](certdir, learn_seconds))
    n = fix_tcp_checksums(pcap)
    st = HERE.stat()
    os.chown(pcap, st.st_uid, st.st_gid)  # tcpdump -w drops to its own user
    log.info("%s: %d bytes, TCP checksums filled in for %d packets", pcap.name, pcap.stat().st_size, n)
    if actions.items:
        truth = write_truth(pcap, actions)
        log.info("wrote %s (%d actions)", truth.name, len(actions.items))


# --------------------------------------------------------------------------
# Checks
# --------------------------------------------------------------------------


def count(pcap: Path, flt: str) -> int:
    return len(tshark(pcap, flt, ["frame.number"]))


def verify() -> bool:
    ok = True

    def check(cond: bool, msg: str) -> None:
        nonlocal ok
        print(("  ok    " if cond else "  FAIL  ") + msg)
        ok &= cond

    mb_req = f"tcp.dstport == {MB_PLC[1]}"
    cip_req = f"tcp.dstport == {CIP_PLC[1]}"
    ua_req = f"tcp.dstport == {UA_PLC[1]}"
    for name in CAPTURES:
        pcap = HERE / f"{name}.pcap"
        if not pcap.exists():
            print(f"{pcap.name}: missing")
            ok = False
            continue
        total = count(pcap, "frame")
        print(f"{pcap.name}: {total} packets, {pcap.stat().st_size} bytes")
        check(pcap.stat().st_size < 1_000_000, "smaller than 1 MB")
        check(count(pcap, "tcp.checksum.status == 0 || ip.checksum.status == 0 || _ws.malformed || _ws.expert.severity >= error") == 0,
              "no bad checksums, malformed or error-level expert info (tcp/ip checksums verified)")
        hosts = sorted({h for row in tshark(pcap, "ip", ["ip.src", "ip.dst"]) for h in row})
        print(f"  hosts: {', '.join(hosts)}")
        check(all(h.startswith("127.0.1.") for h in hosts), "every address in 127.0.1.0/24")
        fcs = sorted({int(r[0]) for r in tshark(pcap, f"modbus && {mb_req}", ["modbus.func_code"]) if r[0]})
        print(f"  Modbus request function codes: {fcs}")
        # CIP: every request is SendRRData carrying Unconnected Send; no connected messaging
        check(count(pcap, "enip.command == 0x0070") == 0, "no SendUnitData (connected CIP) at all")
        n_read = count(pcap, f"cip.sc == 0x4c && {cip_req}")
        n_read_us = count(pcap, f"cip.sc == 0x52 && cip.sc == 0x4c && {cip_req}")
        check(n_read > 0 and n_read == n_read_us, f"CIP Read Tag requests inside Unconnected Send: {n_read_us}/{n_read}")
        n_wr = count(pcap, f"cip.sc == 0x4d && {cip_req}")
        n_wr_us = count(pcap, f"{CIP_WRITE_FILTER}")
        check(n_wr == n_wr_us, f"CIP Write Tag requests inside Unconnected Send: {n_wr_us}/{n_wr}")
        ua_services = {}
        for (sid,) in tshark(pcap, f"opcua.servicenodeid.numeric && {ua_req}", ["opcua.servicenodeid.numeric"]):
            ua_services[sid] = ua_services.get(sid, 0) + 1
        print(f"  OPC UA request service ids: {dict(sorted(ua_services.items()))}")
        check(count(pcap, "modbus.exception_code || opcua.ServiceResult != 0 || cip.genstat != 0") == 0,
              "no Modbus exception, OPC UA bad ServiceResult or CIP error status")
        if name == "learn":
            check(set(fcs) == {1, 3, 6}, "learn: Modbus FC 1, 3 (HMI) and 6 (EWS) only")
            check(count(pcap, f"modbus.func_code == 6 && ip.src != {EWS} && {mb_req}") == 0, "learn: FC 6 only from EWS")
            check(count(pcap, f"cip.sc == 0x4d && ip.src != {EWS} && {cip_req}") == 0, "learn: CIP writes only from EWS")
            check(n_wr > 0, f"learn: EWS CIP writes present ({n_wr})")
            check("673" not in ua_services and "712" not in ua_services, "learn: no OPC UA Write/Call")
            check(count(pcap, 'opcua.security.spu contains "Basic256"') == 0, "learn: OPC UA SecurityPolicy None only")
            continue
        check({5, 6, 15, 16, 8, 43} <= set(fcs), "Modbus FC 5, 6, 15, 16, 8, 43 present")
        check(count(pcap, f"modbus.func_code == 8 && modbus.diagnostic_code == 1 && {mb_req}") == 1, "one FC 8/1 request")
        check(count(pcap, f"modbus.func_code == 43 && modbus.mei == 14 && {mb_req}") == 1, "one FC 43/14 request")
        check(n_wr_us == 1, "one CIP Write Tag (0x4D) inside Unconnected Send (0x52)")
        check(ua_services.get("673") == 1, "one OPC UA WriteRequest")
        check(ua_services.get("712") == 1, "one OPC UA CallRequest")
        truth = pcap.with_suffix(".truth.jsonl")
        rows = [json.loads(x) for x in truth.read_text().splitlines()]
        print(f"  {truth.name}: {len(rows)} actions")
        for r in rows:
            print(f"    {r['ts']:.6f} #{r['frame']:<5} {r['src']} -> {r['dst']} {r['protocol']:6} {r['action']}")
        check([r["ts"] for r in rows] == sorted(r["ts"] for r in rows), "truth in time order")
        if name == "attack-new-client":
            check(count(pcap, f"mbtcp.trans_id == 0 && ip.src == {ATTACKER} && {mb_req}") == 2,
                  "two pipelined Modbus requests with transaction id 0 from the new host")
            check(all(r["src"] == ATTACKER for r in rows), "all actions from 127.0.1.200")
        else:
            check(count(pcap, f"ip.addr == {ATTACKER}") == 0, "no new host")
            check(count(pcap, 'opcua.transport.type == "OPN" && opcua.security.spu contains "Basic256Sha256"') >= 1,
                  "an OpenSecureChannel with Basic256Sha256")
            check(all(r["src"] == HMI for r in rows), "all actions from the HMI")
    return ok


# --------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) >= 3 and sys.argv[1] == "_serve":
        logging.basicConfig(level=logging.WARNING)
        if sys.argv[2] == "modbus":
            asyncio.run(serve_modbus())
        else:
            asyncio.run(serve_opcua(sys.argv[3], sys.argv[4]))
        return

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", nargs="?", default="all", choices=["all", "verify"])
    ap.add_argument("--only", action="append", choices=CAPTURES, help="record only this capture (repeatable)")
    ap.add_argument("--learn-seconds", type=float, default=150.0, help="length of learn.pcap's scenario (150)")
    ap.add_argument("--no-netns", action="store_true", help="do not re-execute in a private network namespace")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for noisy in ("asyncua", "pymodbus", "pycomm3"):
        logging.getLogger(noisy).setLevel(logging.ERROR)

    if args.command == "verify":
        sys.exit(0 if verify() else 1)

    if os.geteuid() != 0:
        sys.exit("run as root (tcpdump on lo, port 502, network namespace)")
    for tool in ("tcpdump", "tshark"):
        if not shutil.which(tool):
            sys.exit(f"{tool} missing: apt-get install -y tcpdump tshark")
    if not args.no_netns and os.environ.get("OTW_IN_NETNS") != "1":
        env = dict(os.environ, OTW_IN_NETNS="1")
        os.execvpe("unshare", ["unshare", "--net", "--", sys.executable, __file__, *sys.argv[1:]], env)
    if os.environ.get("OTW_IN_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

    with tempfile.TemporaryDirectory(prefix="otwatch-pcaps-") as tmp:
        workdir = Path(tmp)
        certdir = workdir / "certs"
        certdir.mkdir()
        make_certs(certdir)
        for name in args.only or CAPTURES:
            record(name, workdir, certdir, args.learn_seconds)
    sys.exit(0 if verify() else 1)


if __name__ == "__main__":
    main()
