//! EtherNet/IP and CIP messages (encapsulation, CPF, explicit and implicit messaging).
