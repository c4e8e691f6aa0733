#!/bin/bash
echo not validated
